import { z } from 'zod';
import type { Trial } from '../model.js';
import type { Pruner, PruneContext } from './types.js';

export const percentileOptionsSchema = z.strictObject({
  /** Prune when the trial's best value so far is worse than this percentile (0-100) of the others at the step. */
  percentile: z.number().min(0).max(100),
  /** No pruning until this many trials are COMPLETE. */
  nStartupTrials: z.number().int().min(0).default(5),
  /** No pruning before this step (NNI's start_step). */
  nWarmupSteps: z.number().int().min(0).default(0),
  /** Decide only every intervalSteps steps after the warm-up. */
  intervalSteps: z.number().int().min(1).default(1),
  /** No pruning while fewer COMPLETE trials than this have a value at the step. */
  nMinTrials: z.number().int().min(1).default(1),
});
export const medianOptionsSchema = percentileOptionsSchema.omit({ percentile: true });

export type PercentileOptions = z.output<typeof percentileOptionsSchema>;

/** The value at `step` of a trial, if it reported one. */
export function valueAt(trial: Trial, step: number): number | undefined {
  return trial.intermediate?.find((p) => p.step === step)?.value;
}

/** Linear interpolation between closest ranks (numpy's default percentile). */
export function percentileOf(sorted: readonly number[], q: number): number {
  const position = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(position);
  const hi = Math.ceil(position);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (position - lo);
}

/**
 * Optuna's PercentilePruner (and, at 50, MedianPruner / NNI's Medianstop): at a step, the best value the trial
 * has reported so far is compared with the given percentile of the COMPLETE trials' values at that same step;
 * worse means prune. For "maximize" the percentile is taken from the top (100 - p).
 */
export function createPercentilePruner(options: PercentileOptions, name = 'percentile'): Pruner {
  return {
    name,
    shouldPrune({ trial, step, trials, direction }: PruneContext): boolean {
      if (step < options.nWarmupSteps) return false;
      if ((step - options.nWarmupSteps) % options.intervalSteps !== 0) return false;
      const complete = trials.filter((t) => t.state === 'COMPLETE' && t.id !== trial.id);
      if (complete.length < options.nStartupTrials) return false;
      const others: number[] = [];
      for (const t of complete) {
        const v = valueAt(t, step);
        if (v !== undefined && !Number.isNaN(v)) others.push(v);
      }
      if (others.length < options.nMinTrials || others.length === 0) return false;
      const own = (trial.intermediate ?? []).filter((p) => p.step <= step && !Number.isNaN(p.value)).map((p) => p.value);
      if (own.length === 0) return false;
      others.sort((a, b) => a - b);
      if (direction === 'minimize') return Math.min(...own) > percentileOf(others, options.percentile);
      return Math.max(...own) < percentileOf(others, 100 - options.percentile);
    },
  };
}
