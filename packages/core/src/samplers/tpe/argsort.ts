// Sorting is most of what building a TPE estimator costs once a study has thousands of trials (every ask sorts
// each parameter's observations to find the neighbour gaps), and Float64Array.prototype.sort takes ~90 ns per
// value for a few thousand values. An LSD radix sort on the IEEE-754 bits does the same in a fraction of that.

const RADIX_BITS = 11;
const BUCKETS = 1 << RADIX_BITS;
const MASK = BUCKETS - 1;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Below this size a comparison sort is as fast and allocates less. */
const SMALL = 64;

/**
 * Indices 0..n-1 of `values` in ascending order of value, equal values in index order (a stable sort). Values
 * must not be NaN; -0 and +0 are equal.
 */
export function argsortFloat64(values: Float64Array): Uint32Array {
  const n = values.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n < SMALL || !LITTLE_ENDIAN) {
    return order.sort((a, b) => (values[a]! < values[b]! ? -1 : values[a]! > values[b]! ? 1 : a - b));
  }
  // Order-preserving unsigned keys: flip every bit of a negative number, only the sign bit of a positive one.
  const copy = Float64Array.from(values, (x) => (x === 0 ? 0 : x)); // -0 as +0
  const words = new Uint32Array(copy.buffer);
  const low = new Uint32Array(n);
  const high = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const lo = words[2 * i]!;
    const hi = words[2 * i + 1]!;
    const negative = hi >>> 31 === 1;
    low[i] = negative ? ~lo >>> 0 : lo;
    high[i] = negative ? ~hi >>> 0 : (hi | 0x80000000) >>> 0;
  }
  let from = order;
  let to = new Uint32Array(n);
  const counts = new Uint32Array(BUCKETS);
  for (const word of [low, high]) {
    for (let shift = 0; shift < 32; shift += RADIX_BITS) {
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[(word[i]! >>> shift) & MASK]!++;
      if (counts[(word[0]! >>> shift) & MASK] === n) continue; // every key has this digit: nothing moves
      let sum = 0;
      for (let b = 0; b < BUCKETS; b++) {
        const c = counts[b]!;
        counts[b] = sum;
        sum += c;
      }
      for (let i = 0; i < n; i++) {
        const index = from[i]!;
        to[counts[(word[index]! >>> shift) & MASK]!++] = index;
      }
      [from, to] = [to, from];
    }
  }
  return from;
}
