import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { argsortFloat64 } from '../src/samplers/tpe/argsort.js';

/** The reference: a comparison sort of the indices, ties (-0 and +0 among them) in index order. */
function reference(values: Float64Array): number[] {
  const compare = (x: number, y: number) => (x < y ? -1 : x > y ? 1 : 0);
  return [...values.keys()].sort((a, b) => compare(values[a]!, values[b]!) || a - b);
}

describe('argsortFloat64 (the radix sort behind the TPE bandwidths)', () => {
  it('orders any doubles like a stable comparison sort: negatives, ties, -0 and +0, infinities, subnormals', () => {
    const special = fc.constantFrom(0, -0, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, 1, -1, 0.5);
    const value = fc.oneof(fc.double({ noNaN: true }), special, fc.integer({ min: -3, max: 3 }));
    // lengths on both sides of the size where the comparison sort takes over
    fc.assert(
      fc.property(fc.array(value, { minLength: 0, maxLength: 300 }), (xs) => {
        const values = Float64Array.from(xs);
        expect([...argsortFloat64(values)]).toEqual(reference(values));
      }),
      { numRuns: 300 },
    );
  });

  it('handles a few thousand clustered values, as a study of that size gives', () => {
    const values = new Float64Array(5000);
    for (let i = 0; i < values.length; i++) values[i] = 1.5 + ((i * 7919) % 97) * 1e-9 - (i % 3) * 1e-3;
    expect([...argsortFloat64(values)]).toEqual(reference(values));
  });

  it('orders runs that share their high 32 bits by the low ones, short runs and long runs alike', () => {
    // (g + 1) + j * 2^-40 for j < 2^12 share sign, exponent and the top 20 mantissa bits: only the low word tells
    // them apart. Group sizes 1..40 cover both the insertion sort (up to 32) and the radix passes on the low word.
    const xs: number[] = [];
    for (let g = 0; g < 120; g++) {
      for (let j = 0; j < (g % 40) + 1; j++) {
        const offset = ((j * 2654435761) % 4093) * 2 ** -40;
        xs.push((g % 2 === 0 ? 1 : -1) * (g + 1 + offset));
        if (j % 5 === 0) xs.push((g % 2 === 0 ? 1 : -1) * (g + 1 + offset)); // exact ties too
      }
    }
    const shuffled = fc.sample(fc.shuffledSubarray(xs, { minLength: xs.length }), { numRuns: 1, seed: 7 })[0]!;
    const values = Float64Array.from(shuffled);
    expect([...argsortFloat64(values)]).toEqual(reference(values));
  });
});
