// Small statistics helpers for the bench tables.
import { createRng } from '@swarmtune/core';

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function mean(xs) {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function quantile(xs, q) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Best-so-far curve of a list of values (minimisation). */
export function bestSoFar(values) {
  const out = [];
  let best = Infinity;
  for (const v of values) {
    if (v < best) best = v;
    out.push(best);
  }
  return out;
}

/**
 * Percentile bootstrap interval of median(a) / median(b), the two samples resampled independently (the runs of the
 * two sides share seed numbers, not randomness, so they are not paired). Deterministic: the resampling stream is
 * seeded. A median over 20-80 runs moves by 10-40% between nearly identical configurations (bench/notes/parallel.md);
 * the interval shows which ratios a rerun with other seeds could flip.
 */
export function medianRatioInterval(a, b, { level = 0.9, resamples = 2000, seed = 'median-ratio' } = {}) {
  if (a.length === 0 || b.length === 0) return [NaN, NaN];
  const rng = createRng(seed);
  const resample = (xs, into) => {
    for (let i = 0; i < xs.length; i++) into[i] = xs[Math.floor(rng.next() * xs.length)];
    return median(into);
  };
  const ra = new Array(a.length);
  const rb = new Array(b.length);
  const ratios = [];
  for (let r = 0; r < resamples; r++) ratios.push(resample(a, ra) / resample(b, rb));
  const tail = (1 - level) / 2;
  return [quantile(ratios, tail), quantile(ratios, 1 - tail)];
}
