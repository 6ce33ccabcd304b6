import type { Rng } from '../../rng.js';
import { nearestIndex } from '../../space/lattice.js';
import { argsortFloat64 } from './argsort.js';
import { LOG_SQRT_2PI, logGaussMass } from './normal-math.js';
import type { TpeOptions } from './options.js';
import { cellEdge, type CategoricalModel, type NumericModel } from './param-model.js';

// A mixture of product kernels over one or more parameters, as in Optuna's _ParzenEstimator: one kernel per
// observation plus one prior kernel (last). Data are flat typed arrays so that evaluating many candidates against
// a thousand kernels allocates nothing per candidate.

export type ModelledParam = NumericModel | CategoricalModel;

interface NumericDimension {
  kind: 'numeric';
  model: NumericModel;
  mus: Float64Array;
  sigmas: Float64Array;
  inverseSigmas: Float64Array;
  /**
   * Continuous: -log(sigma) - log(mass on [lo, hi]) - log(sqrt(2 pi)) (without -log(sigma) for coverage kernels);
   * discrete: -log(mass on [lo, hi]).
   */
  logNormalisers: Float64Array;
}

interface CategoricalDimension {
  kind: 'categorical';
  model: CategoricalModel;
  nChoices: number;
  /** kernel-major: probabilities[k * nChoices + c] */
  probabilities: Float64Array;
  logProbabilities: Float64Array;
}

type Dimension = NumericDimension | CategoricalDimension;

export interface ParzenEstimator {
  nKernels: number;
  logWeights: Float64Array;
  cumulativeWeights: Float64Array;
  dimensions: Dimension[];
}

/**
 * How a continuous kernel scores a point: 'density' is the normalised truncated normal; 'coverage' leaves out its
 * 1/sigma, so every kernel peaks at its weight whatever its width (Optuna 3.1's kernels did this by mistake, see
 * options.ts inFlightExploration for where swarmtune uses it on purpose).
 */
export type KernelScoring = 'density' | 'coverage';

/**
 * Candidates, one column per parameter: the internal coordinate for continuous params, the lattice index for
 * discrete ones (with their cell edges on the internal axis), the choice index for categoricals.
 */
export interface Candidates {
  size: number;
  coords: Float64Array[];
  cellLows: (Float64Array | null)[];
  cellHighs: (Float64Array | null)[];
}

const EPS = 1e-12;

/**
 * @param observations one column per parameter, all of length n: internal coordinates (numeric) or choice
 *   indices (categorical); rows in trial-number order (the weight ramp favours later rows).
 */
export function buildParzenEstimator(
  params: readonly ModelledParam[],
  observations: readonly Float64Array[],
  n: number,
  options: TpeOptions,
  observationWeights: Float64Array,
  scoring: KernelScoring = 'density',
): ParzenEstimator {
  const nKernels = n + 1;
  const weights = new Float64Array(nKernels);
  if (n === 0) weights[0] = 1;
  else {
    for (let i = 0; i < n; i++) weights[i] = observationWeights[i]!;
    weights[n] = options.priorWeight;
  }
  let total = 0;
  for (let k = 0; k < nKernels; k++) total += weights[k]!;
  const logWeights = new Float64Array(nKernels);
  const cumulativeWeights = new Float64Array(nKernels);
  let running = 0;
  for (let k = 0; k < nKernels; k++) {
    const w = weights[k]! / total;
    logWeights[k] = Math.log(w);
    running += w;
    cumulativeWeights[k] = running;
  }
  cumulativeWeights[nKernels - 1] = 1;
  const dimensions = params.map((model, d) =>
    model.kind === 'numeric'
      ? numericDimension(model, observations[d]!, n, params.length, options, scoring)
      : categoricalDimension(model, observations[d]!, n, options),
  );
  return { nKernels, logWeights, cumulativeWeights, dimensions };
}

function numericDimension(
  model: NumericModel,
  obs: Float64Array,
  n: number,
  nDims: number,
  options: TpeOptions,
  scoring: KernelScoring,
): NumericDimension {
  const { lo, hi } = model;
  const nKernels = n + 1;
  const mus = new Float64Array(nKernels);
  const sigmas = new Float64Array(nKernels);
  mus.set(obs.subarray(0, n));
  if (n > 0) {
    if (options.multivariate && options.bandwidth === 'optuna') {
      // Optuna's multivariate width: Scott-like, the same for every kernel of this dimension.
      sigmas.fill(0.2 * Math.pow(n, -1 / (nDims + 4)) * (hi - lo), 0, n);
    } else {
      neighbourGaps(obs, n, lo, hi, options.considerEndpoints, sigmas);
    }
    const maxSigma = hi - lo;
    const minSigma = options.magicClip ? (hi - lo) / Math.min(100, 1 + nKernels) : EPS;
    for (let i = 0; i < n; i++) {
      const s = sigmas[i]!;
      sigmas[i] = s < minSigma ? minSigma : s > maxSigma ? maxSigma : s;
    }
  }
  mus[n] = 0.5 * (lo + hi);
  sigmas[n] = hi - lo;
  const inverseSigmas = new Float64Array(nKernels);
  const logNormalisers = new Float64Array(nKernels);
  const continuous = model.lattice === null;
  for (let k = 0; k < nKernels; k++) {
    const inv = 1 / sigmas[k]!;
    inverseSigmas[k] = inv;
    const logMass = logGaussMass((lo - mus[k]!) * inv, (hi - mus[k]!) * inv);
    if (!continuous) logNormalisers[k] = -logMass;
    else logNormalisers[k] = (scoring === 'density' ? -Math.log(sigmas[k]!) : 0) - logMass - LOG_SQRT_2PI;
  }
  return { kind: 'numeric', model, mus, sigmas, inverseSigmas, logNormalisers };
}

/**
 * Optuna's univariate bandwidth: each kernel's sigma is the larger gap to its sorted neighbours among the
 * observations and the prior's centre (as in Optuna), the domain ends counting as neighbours; without
 * considerEndpoints the outermost points use their inner gap instead.
 */
function neighbourGaps(
  obs: Float64Array,
  n: number,
  lo: number,
  hi: number,
  considerEndpoints: boolean,
  out: Float64Array,
): void {
  const m = n + 1;
  const points = new Float64Array(m);
  points.set(obs.subarray(0, n));
  points[n] = 0.5 * (lo + hi);
  const order = argsortFloat64(points);
  const sorted = new Float64Array(m);
  for (let j = 0; j < m; j++) sorted[j] = points[order[j]!]!;
  for (let j = 0; j < m; j++) {
    const i = order[j]!;
    if (i === n) continue; // the prior's centre: a neighbour, not a kernel of its own here
    const here = sorted[j]!;
    const below = j > 0 ? sorted[j - 1]! : lo;
    const above = j < m - 1 ? sorted[j + 1]! : hi;
    out[i] = j === 0 && !considerEndpoints && m >= 2
      ? sorted[1]! - sorted[0]!
      : j === m - 1 && !considerEndpoints && m >= 2
        ? sorted[m - 1]! - sorted[m - 2]!
        : Math.max(here - below, above - here);
  }
}

function categoricalDimension(
  model: CategoricalModel,
  obs: Float64Array,
  n: number,
  options: TpeOptions,
): CategoricalDimension {
  const nChoices = model.values.length;
  const nKernels = n + 1;
  const probabilities = new Float64Array(nKernels * nChoices);
  const base = options.priorWeight / nKernels;
  for (let k = 0; k < n; k++) {
    // Optuna's categorical kernel: prior_weight / n_kernels on every choice, +1 on the observed one.
    const rowSum = base * nChoices + 1;
    const row = k * nChoices;
    for (let c = 0; c < nChoices; c++) probabilities[row + c] = base / rowSum;
    probabilities[row + obs[k]!] = (base + 1) / rowSum;
  }
  probabilities.fill(1 / nChoices, n * nChoices, nKernels * nChoices);
  const logProbabilities = new Float64Array(probabilities.length);
  for (let i = 0; i < probabilities.length; i++) logProbabilities[i] = Math.log(probabilities[i]!);
  return { kind: 'categorical', model, nChoices, probabilities, logProbabilities };
}

function pickKernel(estimator: ParzenEstimator, rng: Rng): number {
  const u = rng.next();
  const cumulative = estimator.cumulativeWeights;
  for (let k = 0; k < cumulative.length; k++) if (u < cumulative[k]!) return k;
  return cumulative.length - 1;
}

/** Normal(mu, sigma) truncated to [lo, hi], by rejection: mu lies in [lo, hi] and sigma <= hi - lo, so at least
 * about a third of the draws are accepted. */
function truncatedNormal(mu: number, sigma: number, lo: number, hi: number, rng: Rng): number {
  for (let attempt = 0; attempt < 200; attempt++) {
    const y = mu + sigma * rng.normal();
    if (y >= lo && y <= hi) return y;
  }
  return mu < lo ? lo : mu > hi ? hi : mu;
}

/** Candidates drawn from kernels picked by weight, or all from kernel `kernel` when it is >= 0. */
export function sampleCandidates(estimator: ParzenEstimator, size: number, rng: Rng, kernel = -1): Candidates {
  const dims = estimator.dimensions;
  const coords = dims.map(() => new Float64Array(size));
  const cellLows = dims.map((d) => (d.kind === 'numeric' && d.model.lattice ? new Float64Array(size) : null));
  const cellHighs = dims.map((d) => (d.kind === 'numeric' && d.model.lattice ? new Float64Array(size) : null));
  for (let c = 0; c < size; c++) {
    const k = kernel >= 0 ? kernel : pickKernel(estimator, rng);
    for (let d = 0; d < dims.length; d++) {
      const dim = dims[d]!;
      if (dim.kind === 'categorical') {
        const u = rng.next();
        const row = k * dim.nChoices;
        let acc = 0;
        let choice = dim.nChoices - 1;
        for (let i = 0; i < dim.nChoices; i++) {
          acc += dim.probabilities[row + i]!;
          if (u < acc) {
            choice = i;
            break;
          }
        }
        coords[d]![c] = choice;
        continue;
      }
      const { model } = dim;
      const y = truncatedNormal(dim.mus[k]!, dim.sigmas[k]!, model.lo, model.hi, rng);
      if (!model.lattice) {
        coords[d]![c] = y;
        continue;
      }
      const index = nearestIndex(model.lattice, model.log ? Math.exp(y) : y);
      coords[d]![c] = index;
      cellLows[d]![c] = cellEdge(model.lattice, index, -1, model.log);
      cellHighs[d]![c] = cellEdge(model.lattice, index, 1, model.log);
    }
  }
  return { size, coords, cellLows, cellHighs };
}

/**
 * Terms this far below the largest of a log-sum-exp add less than e^-50 each: even 10^5 of them change the sum by
 * less than double precision can show, so their exp() is skipped.
 */
const NEGLIGIBLE_TERM = -50;

/** log(sum_k exp(terms[k])) over the first n terms, given their maximum. */
function logSumExp(terms: Float64Array, n: number, max: number): number {
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const t = terms[k]! - max;
    if (t > NEGLIGIBLE_TERM) sum += Math.exp(t);
  }
  return max + Math.log(sum);
}

/** log density (log mass for discrete params) of every candidate under the mixture, written to `out`. */
export function logPdf(estimator: ParzenEstimator, candidates: Candidates, out: Float64Array): void {
  const { nKernels, logWeights, dimensions } = estimator;
  const terms = new Float64Array(nKernels);
  // Per kernel, everything that does not depend on the candidate: its weight and its continuous normalisers.
  const constants = Float64Array.from(logWeights);
  for (const dim of dimensions) {
    if (dim.kind === 'numeric' && !dim.model.lattice) for (let k = 0; k < nKernels; k++) constants[k]! += dim.logNormalisers[k]!;
  }
  for (let c = 0; c < candidates.size; c++) {
    terms.set(constants);
    for (let d = 0; d < dimensions.length; d++) {
      const dim = dimensions[d]!;
      const x = candidates.coords[d]![c]!;
      if (dim.kind === 'categorical') {
        const probs = dim.logProbabilities;
        const stride = dim.nChoices;
        for (let k = 0; k < nKernels; k++) terms[k]! += probs[k * stride + x]!;
        continue;
      }
      const { mus, inverseSigmas, logNormalisers } = dim;
      const cellLow = candidates.cellLows[d];
      if (!cellLow) {
        for (let k = 0; k < nKernels; k++) {
          const z = (x - mus[k]!) * inverseSigmas[k]!;
          terms[k]! -= 0.5 * z * z;
        }
      } else {
        const low = cellLow[c]!;
        const high = candidates.cellHighs[d]![c]!;
        for (let k = 0; k < nKernels; k++) {
          const inv = inverseSigmas[k]!;
          terms[k]! += logGaussMass((low - mus[k]!) * inv, (high - mus[k]!) * inv) + logNormalisers[k]!;
        }
      }
    }
    let max = -Infinity;
    for (let k = 0; k < nKernels; k++) if (terms[k]! > max) max = terms[k]!;
    out[c] = logSumExp(terms, nKernels, max);
  }
}
