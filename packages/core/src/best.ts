import type { ConstraintSpec, ObjectiveSpec, Trial } from './model.js';
import { isFeasible } from './multi/constraints.js';

/** True when value `a` is better than `b` under `direction`. */
export function isBetter(a: number, b: number, direction: ObjectiveSpec['direction']): boolean {
  return direction === 'minimize' ? a < b : a > b;
}

/**
 * The best COMPLETE trial on the first objective (ties: the earliest). A reused trial is never "best": the trial it
 * copied from already is. With constraints, only feasible trials count (none feasible: undefined).
 */
export function bestTrial(
  trials: readonly Trial[],
  objectives: readonly ObjectiveSpec[],
  constraints?: readonly ConstraintSpec[],
): Trial | undefined {
  const direction = objectives[0]?.direction ?? 'minimize';
  let best: Trial | undefined;
  for (const t of trials) {
    if (t.state !== 'COMPLETE' || t.reusedFrom !== undefined) continue;
    const v = t.values?.[0];
    if (v === undefined || !Number.isFinite(v)) continue;
    if (constraints && constraints.length > 0 && !isFeasible(t, constraints, objectives)) continue;
    if (!best || isBetter(v, best.values![0]!, direction)) best = t;
  }
  return best;
}
