import { clip, gridIndex, round12, roundHalfEven, stepCount, stepValue } from './numeric.js';
import type { Distribution } from './types.js';

/**
 * The ascending, finite value list of a discrete numeric distribution, without materialising it
 * (randint [0, 1e9) is fine). `indexOf` is the distribution's own rounding rule (NNI's
 * clip(round(x / q) * q, low, high) for quniform), so `value(indexOf(x))` is the canonical value of x.
 */
export interface Lattice {
  readonly size: number;
  value(index: number): number;
  indexOf(x: number): number;
}

function clampIndex(i: number, size: number): number {
  return i < 0 ? 0 : i >= size ? size - 1 : i;
}

/** randint [low, high): integers low .. high-1. */
export function integerLattice(low: number, high: number): Lattice {
  const size = high - low;
  return { size, value: (i) => low + i, indexOf: (x) => clampIndex(roundHalfEven(round12(x)) - low, size) };
}

/** step: start, start+step, ... <= end. */
export function stepLattice(start: number, end: number, step: number): Lattice {
  const size = stepCount(start, end, step);
  return {
    size,
    value: (i) => stepValue(start, step, i),
    indexOf: (x) => clampIndex(roundHalfEven(round12((x - start) / step)), size),
  };
}

/** quniform / qloguniform: clip(k * q, low, high) for k = round(low/q) .. round(high/q). */
export function quantizedLattice(low: number, high: number, q: number): Lattice {
  if (low === high) return { size: 1, value: () => round12(low), indexOf: () => 0 };
  const kLow = gridIndex(low, q);
  const kHigh = gridIndex(high, q);
  const size = kHigh - kLow + 1;
  return {
    size,
    value: (i) => round12(clip((kLow + i) * q, low, high)),
    indexOf: (x) => clampIndex(gridIndex(x, q) - kLow, size),
  };
}

/** The lattice of a finite numeric distribution, or null for choice and the continuous / unbounded kinds. */
export function latticeOf(d: Distribution): Lattice | null {
  switch (d.type) {
    case 'randint':
      return integerLattice(d.low, d.high);
    case 'step':
      return stepLattice(d.start, d.end, d.step);
    case 'quniform':
    case 'qloguniform':
      return quantizedLattice(d.low, d.high, d.q);
    default:
      return null;
  }
}

/** Index of the lattice value nearest to x (not the distribution's rounding rule: that one may skip a clipped end). */
export function nearestIndex(lattice: Lattice, x: number): number {
  let best = lattice.indexOf(x);
  let bestDistance = Math.abs(lattice.value(best) - x);
  for (const i of [best - 1, best + 1]) {
    if (i < 0 || i >= lattice.size) continue;
    const distance = Math.abs(lattice.value(i) - x);
    if (distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  }
  return best;
}
