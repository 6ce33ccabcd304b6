// Small numeric helpers shared by parsing, canonicalisation, sampling and the samplers.

/** Significant digits every float param is rounded to, so that float noise never separates equal configurations. */
export const SIGNIFICANT_DIGITS = 12;

/** `x` rounded to 12 significant digits; -0 becomes 0. */
export function round12(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x === 0 ? 0 : x;
  const rounded = Number(x.toPrecision(SIGNIFICANT_DIGITS));
  return rounded === 0 ? 0 : rounded;
}

/** Round half to even, as numpy's round (and so NNI's quantisation) does. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Index of `x / q` on the q grid: the 12-digit rounding first makes 0.3 / 0.1 land on 3, not 2.9999999999999996. */
export function gridIndex(x: number, q: number): number {
  return roundHalfEven(round12(x / q));
}

export function clip(x: number, low: number, high: number): number {
  return x < low ? low : x > high ? high : x;
}

/** Number of points of a `step` list: start, start+step, ... <= end (tolerant of float error at the end). */
export function stepCount(start: number, end: number, step: number): number {
  return Math.floor(round12((end - start) / step)) + 1;
}

/** The i-th point of a `step` list. */
export function stepValue(start: number, step: number, i: number): number {
  return round12(start + i * step);
}

/** Whether two numbers are equal up to the 12-digit rounding. */
export function sameNumber(a: number, b: number): boolean {
  return round12(a) === round12(b);
}
