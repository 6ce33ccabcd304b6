import { InputError } from '../errors.js';
import type { ConstraintSpec, ObjectiveSpec, Trial } from '../model.js';

const CONSTRAINT_TEXT = /^\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*(>=|<=)\s*(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$/;

/** `"recall >= 0.9"` -> {metric: 'recall', op: '>=', bound: 0.9}. InputError naming `where` otherwise. */
export function parseConstraint(text: unknown, where: string): ConstraintSpec {
  if (typeof text === 'object' && text !== null && !Array.isArray(text)) {
    const { metric, op, bound } = text as Record<string, unknown>;
    if (typeof metric === 'string' && metric.length > 0 && (op === '>=' || op === '<=') && typeof bound === 'number' && Number.isFinite(bound)) {
      return { metric, op, bound };
    }
    throw new InputError(where, 'expected {metric, op: ">=" | "<=", bound: number} or a string like "recall >= 0.9"');
  }
  const match = typeof text === 'string' ? CONSTRAINT_TEXT.exec(text) : null;
  if (!match) throw new InputError(where, `expected "<metric> >= <number>" or "<metric> <= <number>", got ${JSON.stringify(text)}`);
  return { metric: match[1]!, op: match[2] as '>=' | '<=', bound: Number(match[3]) };
}

/** A metric of a trial: its reported metric of that name, else the value of the objective of that name. */
function metricOf(trial: Trial, name: string, objectives: readonly ObjectiveSpec[]): number | undefined {
  const metric = trial.metrics?.[name];
  if (typeof metric === 'number') return metric;
  const index = objectives.findIndex((o) => o.name === name);
  return index >= 0 ? trial.values?.[index] : undefined;
}

/**
 * Total violation of the constraints, as in Optuna (each constraint contributes max(0, amount over its bound));
 * 0 means feasible. A metric the trial did not report (or reported as NaN) violates without bound (Infinity).
 */
export function constraintViolation(
  trial: Trial,
  constraints: readonly ConstraintSpec[] | undefined,
  objectives: readonly ObjectiveSpec[],
): number {
  if (!constraints || constraints.length === 0) return 0;
  let total = 0;
  for (const c of constraints) {
    const v = metricOf(trial, c.metric, objectives);
    if (v === undefined || Number.isNaN(v)) return Infinity;
    total += Math.max(0, c.op === '>=' ? c.bound - v : v - c.bound);
  }
  return total;
}

export function isFeasible(trial: Trial, constraints: readonly ConstraintSpec[] | undefined, objectives: readonly ObjectiveSpec[]): boolean {
  return constraintViolation(trial, constraints, objectives) === 0;
}

export function formatConstraint(c: ConstraintSpec): string {
  return `${c.metric} ${c.op} ${c.bound}`;
}
