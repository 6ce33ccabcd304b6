import { z } from 'zod';
import type { Trial } from '../model.js';
import type { Pruner, PruneContext } from './types.js';

export const ashaOptionsSchema = z.strictObject({
  /** Steps of the first rung: rung k is at minResource * reductionFactor^(minEarlyStoppingRate + k). */
  minResource: z.number().positive().default(1),
  /** Only the best 1/reductionFactor of the trials at a rung go on. */
  reductionFactor: z.number().int().min(2).default(4),
  minEarlyStoppingRate: z.number().int().min(0).default(0),
  /** No pruning at a rung until this many trials have reached it. */
  bootstrapCount: z.number().int().min(0).default(0),
});

export type AshaOptions = z.output<typeof ashaOptionsSchema>;

export function rungResource(options: AshaOptions, rung: number): number {
  return options.minResource * Math.pow(options.reductionFactor, options.minEarlyStoppingRate + rung);
}

/** A trial's value at a rung: the value it reported at its first step at or past the rung's resource. */
export function rungValue(trial: Trial, resource: number): { step: number; value: number } | undefined {
  const points = trial.intermediate ?? [];
  let first: { step: number; value: number } | undefined;
  for (const p of points) if (p.step >= resource && (!first || p.step < first.step)) first = p;
  return first;
}

/**
 * Asynchronous successive halving (Li et al., ASHA; Optuna's SuccessiveHalvingPruner). When a trial reaches a rung
 * (its first report at or past the rung's step), it competes with every trial of the study, from any worker, that
 * reached that rung before: it goes on if its value is among the best floor(n / reductionFactor) of the n values
 * there (while n < reductionFactor: only if it is the best so far), otherwise it is pruned. The rung values are
 * read from the trials' intermediate values in the store, so workers need no shared pruner state.
 */
export function createAshaPruner(options: AshaOptions): Pruner {
  return {
    name: 'asha',
    shouldPrune({ trial, step, trials, direction }: PruneContext): boolean {
      for (let rung = 0; ; rung++) {
        const resource = rungResource(options, rung);
        if (resource > step) return false;
        const own = rungValue(trial, resource);
        // Decide only when the rung is reached, i.e. at this very report.
        if (!own || own.step !== step) continue;
        if (!promotable(own.value, trial, resource, trials, direction, options)) return true;
      }
    },
  };
}

function promotable(
  value: number,
  trial: Trial,
  resource: number,
  trials: readonly Trial[],
  direction: PruneContext['direction'],
  options: AshaOptions,
): boolean {
  if (Number.isNaN(value)) return false;
  const competing = [value];
  for (const t of trials) {
    if (t.id === trial.id) continue;
    const v = rungValue(t, resource)?.value;
    if (v !== undefined && !Number.isNaN(v)) competing.push(v);
  }
  if (competing.length <= options.bootstrapCount) return true;
  competing.sort((a, b) => (direction === 'minimize' ? a - b : b - a));
  const index = Math.max(0, Math.floor(competing.length / options.reductionFactor) - 1);
  const threshold = competing[index]!;
  return direction === 'minimize' ? value <= threshold : value >= threshold;
}
