import type { Params, ParamValue } from '../model.js';
import type { Rng } from '../rng.js';
import { canonicalValue } from './canonical.js';
import { latticeOf } from './lattice.js';
import { round12 } from './numeric.js';
import { compareNames } from './parse.js';
import type { Distribution, SearchSpace } from './types.js';

/** One value drawn as NNI defines the distribution, returned in canonical form. */
export function sampleDistribution(d: Distribution, rng: Rng): ParamValue {
  switch (d.type) {
    case 'choice':
      return d.values[rng.int(0, d.values.length)]!;
    case 'randint':
      return rng.int(d.low, d.high);
    case 'step': {
      const lattice = latticeOf(d)!;
      return lattice.value(rng.int(0, lattice.size));
    }
    case 'uniform':
    case 'quniform':
      return canonicalValue(d, d.low + rng.next() * (d.high - d.low))!;
    case 'loguniform':
    case 'qloguniform': {
      const logLow = Math.log(d.low);
      return canonicalValue(d, Math.exp(logLow + rng.next() * (Math.log(d.high) - logLow)))!;
    }
    case 'normal':
    case 'qnormal':
      return canonicalValue(d, d.mu + d.sigma * rng.normal())!;
    case 'lognormal':
    case 'qlognormal':
      return canonicalValue(d, Math.exp(d.mu + d.sigma * rng.normal()))!;
  }
}

/** Whether `value` is exactly a canonical value of the distribution (inside its bounds, on its grid). */
export function isInDistribution(d: Distribution, value: unknown): boolean {
  const canonical = canonicalValue(d, value);
  if (canonical === undefined) return false;
  return typeof value === 'number' && d.type !== 'choice' ? round12(value) === canonical : true;
}

/** Number of distinct values of one distribution (Infinity for continuous and normal families). */
export function distributionSize(d: Distribution): number {
  if (d.type === 'choice') return d.values.length;
  return latticeOf(d)?.size ?? Infinity;
}

/** Number of distinct configurations: the product of the sizes, Infinity when a parameter is continuous. */
export function spaceSize(space: SearchSpace): number {
  let size = 1;
  for (const d of Object.values(space)) size *= distributionSize(d);
  return size;
}

/** Name of the first parameter (sorted order) that makes the space infinite, or null for a finite space. */
export function firstInfiniteParam(space: SearchSpace): string | null {
  for (const name of Object.keys(space).sort(compareNames)) {
    if (distributionSize(space[name]!) === Infinity) return name;
  }
  return null;
}

/** The i-th value of a finite distribution, in its fixed order (choice: as given; numbers: ascending). */
function valueAt(d: Distribution, i: number): ParamValue {
  return d.type === 'choice' ? d.values[i]! : latticeOf(d)!.value(i);
}

/**
 * Every configuration of a finite space as canonical Params. Order: parameters in sorted name order, the first
 * one varying slowest; each parameter's values in their fixed order. Throws RangeError on an infinite space.
 */
export function* enumerateSpace(space: SearchSpace): Generator<Params> {
  const names = Object.keys(space).sort(compareNames);
  const dists = names.map((n) => space[n]!);
  const sizes = dists.map(distributionSize);
  const infinite = sizes.findIndex((s) => s === Infinity);
  if (infinite >= 0) throw new RangeError(`parameter ${names[infinite]} has infinitely many values`);
  if (sizes.some((s) => s === 0)) return;
  const index = new Array<number>(names.length).fill(0);
  for (;;) {
    const params: Params = {};
    for (let p = 0; p < names.length; p++) params[names[p]!] = valueAt(dists[p]!, index[p]!);
    yield params;
    let p = names.length - 1;
    while (p >= 0) {
      index[p]!++;
      if (index[p]! < sizes[p]!) break;
      index[p] = 0;
      p--;
    }
    if (p < 0) return;
  }
}
