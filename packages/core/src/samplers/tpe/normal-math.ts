// Standard normal CDF helpers in double precision, with the tails computed in the log domain so that
// Parzen-estimator kernels far from a point give finite log-densities instead of log(0).

const SQRT1_2 = Math.SQRT1_2;
const HALF_LOG_PI = 0.5 * Math.log(Math.PI);
const LOG_HALF = Math.log(0.5);
/** Below this argument erf's power series is used, above it the continued fraction of erfc. */
const SERIES_LIMIT = 3;

/** erf(x) for 0 <= x < SERIES_LIMIT: 2/sqrt(pi) e^{-x^2} sum (2x^2)^n x / (1*3*...*(2n+1)); all terms positive. */
function erfSeries(x: number): number {
  const twoX2 = 2 * x * x;
  let term = x;
  let sum = x;
  for (let n = 0; n < 200; n++) {
    term *= twoX2 / (2 * n + 3);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

/**
 * log(erfc(x)) for x >= SERIES_LIMIT via the continued fraction
 * erfc(x) = e^{-x^2}/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated with Lentz's method.
 */
function logErfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return -x * x - HALF_LOG_PI - Math.log(f);
}

/** erfc(x) for x >= 0, accurate relative to its own size (also deep in the tail, until it underflows). */
function erfcNonNegative(x: number): number {
  return x < SERIES_LIMIT ? 1 - erfSeries(x) : Math.exp(logErfcContinuedFraction(x));
}

/** Standard normal CDF. */
export function ndtr(z: number): number {
  return z <= 0 ? 0.5 * erfcNonNegative(-z * SQRT1_2) : 1 - 0.5 * erfcNonNegative(z * SQRT1_2);
}

/** log of the standard normal CDF, finite for any finite z. */
export function logNdtr(z: number): number {
  if (z <= 0) {
    const x = -z * SQRT1_2;
    return x < SERIES_LIMIT ? Math.log(0.5 * (1 - erfSeries(x))) : LOG_HALF + logErfcContinuedFraction(x);
  }
  return Math.log1p(-0.5 * erfcNonNegative(z * SQRT1_2));
}

/**
 * Beyond this many standard deviations the normal's tail mass (< 1e-17) is below half an ulp of 1, so an interval
 * reaching past it on both sides has log mass 0 in double precision.
 */
const NEGLIGIBLE_TAIL = 8.5;

/** log(Phi(b) - Phi(a)) for a < b, without cancellation in either tail. */
export function logGaussMass(a: number, b: number): number {
  if (a <= -NEGLIGIBLE_TAIL && b >= NEGLIGIBLE_TAIL) return 0;
  if (b <= 0) return logDiff(logNdtr(b), logNdtr(a));
  if (a > 0) return logDiff(logNdtr(-a), logNdtr(-b));
  return Math.log1p(-ndtr(a) - ndtr(-b));
}

/** log(e^p - e^q) for p >= q. */
function logDiff(logP: number, logQ: number): number {
  if (logQ === -Infinity) return logP;
  return logP + Math.log1p(-Math.exp(logQ - logP));
}

export const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
