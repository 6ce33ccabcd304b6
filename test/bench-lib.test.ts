import { describe, expect, it } from 'vitest';
import { createRng } from '@swarmtune/core';
// @ts-expect-error: the bench is plain ESM JavaScript without type declarations.
import { median, medianRatioInterval } from '../bench/lib/stats.mjs';
// @ts-expect-error: as above.
import { intFlag } from '../bench/lib/args.mjs';

function lognormalSample(n: number, medianValue: number, seed: string): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => medianValue * Math.exp(rng.normal()));
}

describe('bench: bootstrap interval of a median ratio', () => {
  it('contains the point ratio and is the same on every call', () => {
    const a = lognormalSample(80, 1, 'a');
    const b = lognormalSample(80, 1, 'b');
    const [lo, hi] = medianRatioInterval(a, b);
    const point = median(a) / median(b);
    expect(lo).toBeLessThan(point);
    expect(hi).toBeGreaterThan(point);
    expect(medianRatioInterval(a, b)).toEqual([lo, hi]);
  });

  it('straddles 1 for two samples of one distribution, and excludes 1 when the medians differ twofold', () => {
    const same = medianRatioInterval(lognormalSample(80, 1, 'c'), lognormalSample(80, 1, 'd'));
    expect(same[0]).toBeLessThan(1);
    expect(same[1]).toBeGreaterThan(1);
    const half = medianRatioInterval(lognormalSample(160, 1, 'e'), lognormalSample(160, 2, 'f'));
    expect(half[1]).toBeLessThan(1);
    expect(half[0]).toBeGreaterThan(0.3);
  });

  it('narrows as the samples grow', () => {
    const width = (n: number) => {
      const [lo, hi] = medianRatioInterval(lognormalSample(n, 1, `g${n}`), lognormalSample(n, 1, `h${n}`));
      return hi / lo;
    };
    expect(width(320)).toBeLessThan(width(20));
  });
});

describe('bench: integer flags', () => {
  it('takes 0 where the flag allows it and names the flag when the value is out of range', () => {
    expect(intFlag({ 'first-seed': '0' }, 'first-seed', 5, { min: 0 })).toBe(0);
    expect(intFlag({}, 'first-seed', 5, { min: 0 })).toBe(5);
    expect(() => intFlag({ seeds: '0' }, 'seeds', 20)).toThrow('--seeds: expected an integer >= 1, got 0');
    expect(() => intFlag({ 'first-seed': '-1' }, 'first-seed', 0, { min: 0 })).toThrow('--first-seed: expected an integer >= 0, got -1');
    expect(() => intFlag({ seeds: '2.5' }, 'seeds', 20)).toThrow('--seeds');
  });
});
