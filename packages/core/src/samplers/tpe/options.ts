import { z } from 'zod';
import { InputError } from '../../errors.js';

/** TPE options, with Optuna's defaults. */
export const tpeOptionsSchema = z.strictObject({
  /** Random sampling until this many COMPLETE trials exist. */
  nStartupTrials: z.number().int().min(0).default(10),
  /** Candidates drawn from the good-group estimator per parameter (or jointly, when multivariate). */
  nEiCandidates: z.number().int().min(1).default(24),
  /** Fraction of COMPLETE trials that form the good group: n_below = min(ceil(gamma * n), gammaMax). */
  gamma: z.number().gt(0).max(1).default(0.1),
  gammaMax: z.number().int().min(1).default(25),
  priorWeight: z.number().min(0).default(1),
  considerEndpoints: z.boolean().default(false),
  magicClip: z.boolean().default(true),
  /** 'default': Optuna's default_weights (older trials ramp down once there are 25 or more); 'uniform': all 1. */
  weights: z.enum(['default', 'uniform']).default('default'),
  multivariate: z.boolean().default(false),
  /**
   * Kernel widths of numeric parameters. 'optuna': Optuna's rules, the neighbour-gap rule when univariate and
   * 0.2 * n^(-1/(d+4)) * range (Scott-like, one width for all kernels) when multivariate. 'neighbour': the
   * neighbour-gap rule in every dimension, also when multivariate; each kernel then narrows where the good trials
   * crowd together, which refines a found basin much faster (see the Branin test).
   */
  bandwidth: z.enum(['optuna', 'neighbour']).default('optuna'),
  constantLiar: z.boolean().default(false),
});

export type TpeOptions = z.output<typeof tpeOptionsSchema>;

export function parseTpeOptions(raw: unknown, where = 'sampler.options'): TpeOptions {
  const result = tpeOptionsSchema.safeParse(raw ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.');
    throw new InputError(path ? `${where}.${path}` : where, issue.message);
  }
  return result.data;
}

export function belowCount(options: TpeOptions, nComplete: number): number {
  return Math.min(Math.ceil(options.gamma * nComplete), options.gammaMax, nComplete);
}

/** Optuna's default_weights: 1 for the newest 25 observations, a linear ramp from 1/n to 1 for the older ones. */
export function observationWeights(options: TpeOptions, n: number, out: Float64Array): void {
  if (options.weights === 'uniform' || n < 25) {
    out.fill(1, 0, n);
    return;
  }
  const rampLength = n - 25;
  const start = 1 / n;
  for (let i = 0; i < rampLength; i++) out[i] = rampLength === 1 ? start : start + ((1 - start) * i) / (rampLength - 1);
  out.fill(1, rampLength, n);
}
