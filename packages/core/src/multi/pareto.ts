import type { ConstraintSpec, ObjectiveSpec, Trial } from '../model.js';
import { dominates, nonDominatedSort } from './dominance.js';
import { hypervolume } from './hypervolume.js';
import { scoredTrials, type RankedTrial } from './ranking.js';

/** Feasible COMPLETE trials that ran (not reused copies), with a finite value for every objective. */
function candidates(trials: readonly Trial[], objectives: readonly ObjectiveSpec[], constraints?: readonly ConstraintSpec[]): RankedTrial[] {
  return scoredTrials(trials, objectives, constraints).filter((s) => s.violation === 0 && s.trial.reusedFrom === undefined);
}

/** The Pareto front: feasible COMPLETE trials no other feasible trial dominates, by trial number. */
export function paretoFront(
  trials: readonly Trial[],
  objectives: readonly ObjectiveSpec[],
  constraints?: readonly ConstraintSpec[],
): Trial[] {
  const scored = candidates(trials, objectives, constraints);
  const first = nonDominatedSort(scored.map((s) => s.point))[0] ?? [];
  return first.map((i) => scored[i]!.trial).sort((a, b) => a.number - b.number);
}

/**
 * The reference point for the hypervolume, in the objectives' own directions: the given one, or the worst value
 * of each objective over the feasible trials pushed 10% of its range further out (so that the worst points still
 * add volume). Null when no trial is feasible.
 */
export function referencePoint(
  trials: readonly Trial[],
  objectives: readonly ObjectiveSpec[],
  constraints?: readonly ConstraintSpec[],
): number[] | null {
  const scored = candidates(trials, objectives, constraints);
  if (scored.length === 0) return null;
  return objectives.map((o, k) => {
    const values = scored.map((s) => s.point[k]!);
    const worst = Math.max(...values);
    const range = worst - Math.min(...values);
    const margin = range > 0 ? 0.1 * range : Math.abs(worst) > 0 ? 0.1 * Math.abs(worst) : 1;
    const minimized = worst + margin;
    return o.direction === 'maximize' ? -minimized : minimized;
  });
}

export interface HypervolumePoint {
  /** Trial number at which the hypervolume was measured (after this trial). */
  trial: number;
  hypervolume: number;
}

/**
 * The hypervolume of the feasible trials seen so far, after each trial in number order (only trials that changed
 * nothing are left out, so the history has one point per improvement plus the last trial).
 */
export function hypervolumeHistory(
  trials: readonly Trial[],
  objectives: readonly ObjectiveSpec[],
  reference: readonly number[],
  constraints?: readonly ConstraintSpec[],
): HypervolumePoint[] {
  const ref = objectives.map((o, k) => (o.direction === 'maximize' ? -reference[k]! : reference[k]!));
  const scored = candidates(trials, objectives, constraints).sort((a, b) => a.trial.number - b.trial.number);
  const history: HypervolumePoint[] = [];
  let front: number[][] = [];
  let current = 0;
  for (const s of scored) {
    if (front.some((p) => dominates(p, s.point) || p.every((v, i) => v === s.point[i]))) continue;
    front = front.filter((p) => !dominates(s.point, p)).concat([s.point]);
    const next = hypervolume(front, ref);
    if (next !== current || history.length === 0) history.push({ trial: s.trial.number, hypervolume: next });
    current = next;
  }
  const last = trials.reduce((max, t) => Math.max(max, t.number), -1);
  if (history.length > 0 && history[history.length - 1]!.trial !== last) history.push({ trial: last, hypervolume: current });
  return history;
}
