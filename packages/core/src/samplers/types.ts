import type { ConstraintSpec, ObjectiveSpec, ParamValue, Params, Trial } from '../model.js';
import type { Rng } from '../rng.js';
import type { Distribution, SearchSpace } from '../space/types.js';

export interface SamplerContext {
  space: SearchSpace;
  objectives: ObjectiveSpec[];
  /** The study's constraints on metrics; samplers that learn prefer feasible trials (Optuna's semantics). */
  constraints?: ConstraintSpec[];
  /** Every trial of the study the worker knows of, in any state. */
  trials: readonly Trial[];
  rng: Rng;
}

/** Proposes params. A pure function of (space, trials, rng): no state is kept between calls. */
export interface Sampler {
  readonly name: string;
  /** Canonical params for one new trial, or null when the sampler has nothing left to propose (finished grid). */
  sample(ctx: SamplerContext): Params | null;
  /** Define-by-run: one parameter at a time (random and univariate TPE support it; grid throws InputError). */
  sampleParam(name: string, dist: Distribution, ctx: SamplerContext): ParamValue;
}
