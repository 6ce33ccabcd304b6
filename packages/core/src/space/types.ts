import type { ParamValue, Params } from '../model.js';

/**
 * One parameter's distribution, normalised from the NNI `{_type, _value}` form (see parse.ts).
 * Integer-valued kinds (`randint`, and `step` with integer start/step) produce JS integers.
 */
export type Distribution =
  | { type: 'choice'; values: ParamValue[] }
  /** integers low .. high-1 (NNI: upper exclusive) */
  | { type: 'randint'; low: number; high: number }
  | { type: 'uniform'; low: number; high: number }
  /** clip(round(uniform(low, high) / q) * q, low, high) */
  | { type: 'quniform'; low: number; high: number; q: number }
  | { type: 'loguniform'; low: number; high: number }
  | { type: 'qloguniform'; low: number; high: number; q: number }
  | { type: 'normal'; mu: number; sigma: number }
  | { type: 'qnormal'; mu: number; sigma: number; q: number }
  | { type: 'lognormal'; mu: number; sigma: number }
  | { type: 'qlognormal'; mu: number; sigma: number; q: number }
  /** start, start+step, ... up to end inclusive (seed 002's generate_float_list): a grid-friendly numeric list */
  | { type: 'step'; start: number; end: number; step: number };

export type DistributionType = Distribution['type'];

/** Parameter name -> distribution, names in sorted order. */
export type SearchSpace = Record<string, Distribution>;

export type { ParamValue, Params };
