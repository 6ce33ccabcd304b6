import type { ParamValue } from '../../model.js';
import { canonicalValue } from '../../space/canonical.js';
import { latticeOf, nearestIndex, quantizedLattice, type Lattice } from '../../space/lattice.js';
import { gridIndex, round12 } from '../../space/numeric.js';
import { choiceKey } from '../../space/parse.js';
import type { Distribution } from '../../space/types.js';

/**
 * How TPE sees one parameter. Numeric parameters live on an internal axis (log for the log families) bounded by
 * [lo, hi]; the kernels are normals truncated to it.
 *
 * Unbounded distributions: normal/qnormal are modelled on mu +- 4 sigma, lognormal/qlognormal on mu +- 4 sigma of
 * the log (so TPE proposes values within 4 sigma, which covers all but 6e-5 of the prior mass); qlognormal never
 * proposes 0 (its lowest modelled value is q).
 *
 * Discrete numeric parameters (randint, step, quniform, qloguniform, qnormal, qlognormal) are modelled like
 * Optuna's stepped distributions: a value's probability is the kernel mass over its cell, the interval of points
 * nearer to it than to its neighbours (the first and last cells are mirrored), i.e. value +- step/2 on a regular grid.
 */
export type ParamModel = NumericModel | CategoricalModel | ConstantModel;

export interface NumericModel {
  kind: 'numeric';
  log: boolean;
  lo: number;
  hi: number;
  /** Continuous when null. */
  lattice: Lattice | null;
  dist: Distribution;
}

export interface CategoricalModel {
  kind: 'categorical';
  values: readonly ParamValue[];
  /** Observed value -> choice index (raw values first, then by choice identity). */
  indexOf(value: unknown): number;
}

/** A parameter with a single possible value: nothing to learn. */
export interface ConstantModel {
  kind: 'constant';
  value: ParamValue;
}

function latticeModel(dist: Distribution, lattice: Lattice, log: boolean): NumericModel | ConstantModel {
  if (lattice.size === 1) return { kind: 'constant', value: lattice.value(0) };
  const lo = cellEdge(lattice, 0, -1, log);
  const hi = cellEdge(lattice, lattice.size - 1, 1, log);
  return { kind: 'numeric', log, lo, hi, lattice, dist };
}

/** The lower (side -1) or upper (side 1) edge of the cell of lattice value i, on the internal axis. */
export function cellEdge(lattice: Lattice, i: number, side: -1 | 1, log: boolean): number {
  const v = lattice.value(i);
  const neighbour = i + side;
  let edge: number;
  if (neighbour >= 0 && neighbour < lattice.size) edge = (v + lattice.value(neighbour)) / 2;
  else edge = v - (lattice.value(i - side) - v) / 2;
  if (!log) return edge;
  return Math.log(side < 0 ? Math.max(edge, v / 2) : edge);
}

export function buildParamModel(dist: Distribution): ParamModel {
  switch (dist.type) {
    case 'choice': {
      if (dist.values.length === 1) return { kind: 'constant', value: dist.values[0]! };
      const raw = new Map<unknown, number>();
      const byKey = new Map<string, number>();
      dist.values.forEach((v, i) => {
        raw.set(v, i);
        byKey.set(choiceKey(v), i);
      });
      return {
        kind: 'categorical',
        values: dist.values,
        indexOf(value) {
          const direct = raw.get(value);
          if (direct !== undefined) return direct;
          if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
            return byKey.get(choiceKey(value)) ?? -1;
          }
          return -1;
        },
      };
    }
    case 'uniform':
      return dist.low === dist.high
        ? { kind: 'constant', value: round12(dist.low) }
        : { kind: 'numeric', log: false, lo: dist.low, hi: dist.high, lattice: null, dist };
    case 'loguniform':
      return dist.low === dist.high
        ? { kind: 'constant', value: round12(dist.low) }
        : { kind: 'numeric', log: true, lo: Math.log(dist.low), hi: Math.log(dist.high), lattice: null, dist };
    case 'normal':
      return { kind: 'numeric', log: false, lo: dist.mu - 4 * dist.sigma, hi: dist.mu + 4 * dist.sigma, lattice: null, dist };
    case 'lognormal':
      return { kind: 'numeric', log: true, lo: dist.mu - 4 * dist.sigma, hi: dist.mu + 4 * dist.sigma, lattice: null, dist };
    case 'qnormal': {
      const low = gridIndex(dist.mu - 4 * dist.sigma, dist.q) * dist.q;
      const high = gridIndex(dist.mu + 4 * dist.sigma, dist.q) * dist.q;
      return latticeModel(dist, quantizedLattice(low, high, dist.q), false);
    }
    case 'qlognormal': {
      const low = Math.max(dist.q, gridIndex(Math.exp(dist.mu - 4 * dist.sigma), dist.q) * dist.q);
      const high = Math.max(low, gridIndex(Math.exp(dist.mu + 4 * dist.sigma), dist.q) * dist.q);
      return latticeModel(dist, quantizedLattice(low, high, dist.q), true);
    }
    case 'randint':
    case 'step':
    case 'quniform':
      return latticeModel(dist, latticeOf(dist)!, false);
    case 'qloguniform':
      return latticeModel(dist, latticeOf(dist)!, true);
  }
}

/**
 * A trial's value of a numeric parameter on the internal axis (log applied, clipped into [lo, hi]; discrete values
 * snapped to their lattice point), or NaN when the value is unusable.
 */
export function toInternal(model: NumericModel, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return NaN;
  let x = value;
  if (model.lattice) x = model.lattice.value(nearestIndex(model.lattice, x));
  if (model.log) {
    if (x <= 0) return model.lo;
    x = Math.log(x);
  }
  return x < model.lo ? model.lo : x > model.hi ? model.hi : x;
}

/** The canonical parameter value for a point of the internal axis of a continuous model. */
export function continuousValue(model: NumericModel, internal: number): ParamValue {
  return canonicalValue(model.dist, model.log ? Math.exp(internal) : internal)!;
}
