import { z } from 'zod';
import { InputError } from '../../errors.js';

/**
 * TPE options. Two presets fill the options not given:
 * - `swarmtune` (the default): a joint (multivariate) estimator whose kernels take the neighbour-gap width in every
 *   dimension, and a prior weight of 2. Measured against Optuna's TPESampler on eight standard test functions
 *   (bench suite `quality`, 100 trials), it lowers the median final regret on most of them, sequentially and with
 *   trials in flight; bench/notes/quality.md has the numbers and what was tried.
 *   With 7 or more other trials RUNNING, half the proposals come from an exploratory estimator
 *   (inFlightExploration) and the others each refine a different good trial (inFlightSpread).
 * - `optuna`: Optuna's published defaults (univariate, Optuna's bandwidth rules, prior weight 1, neither
 *   exploratory nor spread proposals), for like-for-like comparisons and for users who want Optuna's behaviour.
 */
const PRESETS = {
  swarmtune: { multivariate: true, bandwidth: 'neighbour', priorWeight: 2, inFlightExploration: 0.5, inFlightSpread: true },
  optuna: { multivariate: false, bandwidth: 'optuna', priorWeight: 1, inFlightExploration: 0, inFlightSpread: false },
} as const;

export const tpeOptionsSchema = z.strictObject({
  preset: z.enum(['swarmtune', 'optuna']).default('swarmtune'),
  /** Random sampling until this many COMPLETE trials exist. */
  nStartupTrials: z.number().int().min(0).default(10),
  /** Candidates drawn from the good-group estimator per parameter (or jointly, when multivariate). */
  nEiCandidates: z.number().int().min(1).default(24),
  /** Fraction of COMPLETE trials that form the good group: n_below = min(ceil(gamma * n), gammaMax). */
  gamma: z.number().gt(0).max(1).default(0.1),
  gammaMax: z.number().int().min(1).default(25),
  /** Weight of the prior kernel (the whole range) against each observation's weight; the preset's when absent. */
  priorWeight: z.number().min(0).optional(),
  considerEndpoints: z.boolean().default(false),
  magicClip: z.boolean().default(true),
  /** 'default': Optuna's default_weights (older trials ramp down once there are 25 or more); 'uniform': all 1. */
  weights: z.enum(['default', 'uniform']).default('default'),
  /** One joint estimator over all parameters instead of one per parameter; the preset's when absent. */
  multivariate: z.boolean().optional(),
  /**
   * Kernel widths of numeric parameters. 'optuna': Optuna's rules, the neighbour-gap rule when univariate and
   * 0.2 * n^(-1/(d+4)) * range (Scott-like, one width for all kernels) when multivariate. 'neighbour': the
   * neighbour-gap rule in every dimension, also when multivariate; each kernel then narrows where the good trials
   * crowd together, which refines a found basin much faster. The preset's when absent.
   */
  bandwidth: z.enum(['optuna', 'neighbour']).optional(),
  constantLiar: z.boolean().default(false),
  /**
   * Share of the proposals made while 7 or more other trials are RUNNING (with fewer, a proportional part of it)
   * that come from an exploratory estimator instead: univariate, Optuna's bandwidth rules, prior weight 1, and
   * kernels that count by coverage (each kernel peaks at its weight, whatever its width) rather than by density.
   * A greedy estimator proposes the next trial near the newest good results; with trials in flight it proposes
   * without the results it waits for, and with 8 in flight its median regret after 100 trials doubled or worse
   * on some test functions. Coverage kernels favour points that some good trial's kernel reaches and few bad
   * kernels do, which does not hinge on the newest results (bench/notes/parallel.md). A sequential run never has
   * a RUNNING trial when it asks, so it is unaffected. The preset's when absent.
   */
  inFlightExploration: z.number().min(0).max(1).optional(),
  /**
   * While other trials are RUNNING, each joint (multivariate) proposal that does not explore refines one good trial
   * only: the one that the fewest RUNNING trials lie nearest to (ties to the better one), all its candidates drawn
   * from that trial's kernel. A sequential run refines its best trials one result at a time; with 8 in flight the
   * joint estimator sent all 8 near the same few, each chain of refinements advancing once per 8 results. Spread
   * over the good trials, the in-flight proposals advance several chains at once (bench/notes/parallel.md).
   * Univariate proposals pick kernels per parameter and ignore it. The preset's when absent.
   */
  inFlightSpread: z.boolean().optional(),
});

type ParsedTpeOptions = z.output<typeof tpeOptionsSchema>;
export type TpeOptions = Omit<ParsedTpeOptions, keyof (typeof PRESETS)['optuna']> & {
  multivariate: boolean;
  bandwidth: 'optuna' | 'neighbour';
  priorWeight: number;
  inFlightExploration: number;
  inFlightSpread: boolean;
};

export function parseTpeOptions(raw: unknown, where = 'sampler.options'): TpeOptions {
  const result = tpeOptionsSchema.safeParse(raw ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.');
    throw new InputError(path ? `${where}.${path}` : where, issue.message);
  }
  const preset = PRESETS[result.data.preset];
  return {
    ...result.data,
    multivariate: result.data.multivariate ?? preset.multivariate,
    bandwidth: result.data.bandwidth ?? preset.bandwidth,
    priorWeight: result.data.priorWeight ?? preset.priorWeight,
    inFlightExploration: result.data.inFlightExploration ?? preset.inFlightExploration,
    inFlightSpread: result.data.inFlightSpread ?? preset.inFlightSpread,
  };
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
