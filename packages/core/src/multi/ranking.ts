import type { ConstraintSpec, ObjectiveSpec, Trial } from '../model.js';
import { constraintViolation } from './constraints.js';
import { crowdingDistance, nonDominatedSort, toMinimized } from './dominance.js';

export interface RankedTrial {
  trial: Trial;
  /** Values with every objective minimized. */
  point: number[];
  /** Total constraint violation; 0 = feasible. */
  violation: number;
}

/** COMPLETE trials with a finite value for every objective, with their minimized points and violations. */
export function scoredTrials(
  trials: readonly Trial[],
  objectives: readonly ObjectiveSpec[],
  constraints?: readonly ConstraintSpec[],
): RankedTrial[] {
  const out: RankedTrial[] = [];
  for (const trial of trials) {
    if (trial.state !== 'COMPLETE' || !trial.values || trial.values.length < objectives.length) continue;
    const values = trial.values.slice(0, objectives.length);
    if (!values.every((v) => typeof v === 'number' && Number.isFinite(v))) continue;
    out.push({ trial, point: toMinimized(values, objectives), violation: constraintViolation(trial, constraints, objectives) });
  }
  return out;
}

/**
 * Best first, with Optuna's constrained semantics: every feasible trial comes before every infeasible one;
 * infeasible trials are ordered by their total violation. Feasible trials: by value (one objective) or by
 * non-dominated front, then crowding distance (larger first), then trial number (several objectives).
 */
export function rankScored(scored: readonly RankedTrial[]): RankedTrial[] {
  const feasible = scored.filter((s) => s.violation === 0);
  const infeasible = scored
    .filter((s) => s.violation > 0)
    .sort((a, b) => a.violation - b.violation || a.trial.number - b.trial.number);
  const m = feasible[0]?.point.length ?? 0;
  let ordered: RankedTrial[];
  if (m <= 1) {
    ordered = [...feasible].sort((a, b) => a.point[0]! - b.point[0]! || a.trial.number - b.trial.number);
  } else {
    ordered = [];
    for (const front of nonDominatedSort(feasible.map((s) => s.point))) {
      const members = front.map((i) => feasible[i]!);
      const crowding = crowdingDistance(members.map((s) => s.point));
      const order = members.map((_, i) => i);
      order.sort((a, b) => crowding[b]! - crowding[a]! || members[a]!.trial.number - members[b]!.trial.number);
      for (const i of order) ordered.push(members[i]!);
    }
  }
  return ordered.concat(infeasible);
}

export function rankTrials(
  trials: readonly Trial[],
  objectives: readonly ObjectiveSpec[],
  constraints?: readonly ConstraintSpec[],
): RankedTrial[] {
  return rankScored(scoredTrials(trials, objectives, constraints));
}
