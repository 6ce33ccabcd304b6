import type { ParamValue, Params, Trial } from '../../model.js';
import type { Rng } from '../../rng.js';
import { compareNames } from '../../space/parse.js';
import { sampleDistribution } from '../../space/sample.js';
import type { Distribution } from '../../space/types.js';
import { sampleSpace } from '../random.js';
import { rankTrials } from '../../multi/ranking.js';
import type { Sampler, SamplerContext } from '../types.js';
import { belowCount, observationWeights, type TpeOptions } from './options.js';
import { buildParamModel, continuousValue, toInternal, type ParamModel } from './param-model.js';
import { buildParzenEstimator, logPdf, sampleCandidates, type KernelScoring, type ModelledParam } from './parzen.js';

/**
 * The exploration share grows with the number of RUNNING trials and reaches inFlightExploration at this many (8 in
 * flight). With 1 or 3 running (2 or 4 in flight) the full share was 13% / 2% worse than none (geometric mean of
 * the median regrets on the bench's functions, 40 seeds); growing in proportion it was even with none there.
 */
const FULL_EXPLORATION_RUNNING = 7;

/**
 * Tree-structured Parzen Estimator, following Optuna's TPESampler: COMPLETE trials are split into a good group
 * (the best n_below = min(ceil(gamma * n), gammaMax)) and the rest; a Parzen estimator is fitted to each; candidates
 * are drawn from the good one and the candidate with the largest log l(x) - log g(x) wins. The options' presets
 * (options.ts) choose between Optuna's defaults and swarmtune's (joint estimator, neighbour-gap widths).
 *
 * - Single objective: values[0] with its direction (maximize is negated). Trials without values (FAIL, PRUNED,
 *   WAITING) are ignored.
 * - constantLiar: every RUNNING trial counts as a trial with the worst value seen so far. A worst-valued trial can
 *   never be in the good group, so it joins the other group directly (as Optuna does); gamma's n counts
 *   COMPLETE trials only.
 * - multivariate: one joint estimator over all parameters (shared kernel per observation). With bandwidth
 *   'optuna', kernel widths follow Optuna: the neighbour-gap rule per parameter when univariate, one Scott-like
 *   width per dimension when multivariate; bandwidth 'neighbour' uses the neighbour-gap rule also when
 *   multivariate.
 * - Kernel densities are normalised (each kernel integrates to 1 over the range). Optuna 3.1's continuous kernels
 *   were not (its truncated-normal log-density left out -log(sigma), fixed upstream by optuna/optuna#5110), so
 *   with the same options the two differ on continuous parameters: see bench/notes/quality.md.
 * - inFlightExploration: while other trials are RUNNING, up to that share of proposals comes from the exploratory
 *   estimator (univariate, Optuna's options, coverage kernels); options.ts says why.
 * - inFlightSpread: while other trials are RUNNING, a joint proposal that does not explore draws all its candidates
 *   from the kernel of one good trial, the one the fewest RUNNING trials are nearest to (with or without the liar).
 */
export function createTpeSampler(options: TpeOptions): Sampler {
  const exploratory: TpeOptions = { ...options, multivariate: false, bandwidth: 'optuna', priorWeight: 1 };
  /** One draw, only when trials are in flight: sequential runs keep the random stream they had without it. */
  const exploresNow = (history: History, rng: Rng) =>
    history.running.length > 0 &&
    options.inFlightExploration > 0 &&
    rng.next() < options.inFlightExploration * Math.min(1, history.running.length / FULL_EXPLORATION_RUNNING);
  return {
    name: 'tpe',
    sample(ctx) {
      const history = splitHistory(ctx, options);
      if (history.nComplete < options.nStartupTrials) return sampleSpace(ctx.space, ctx.rng);
      const names = Object.keys(ctx.space).sort(compareNames);
      const models = names.map((n) => buildParamModel(ctx.space[n]!));
      if (exploresNow(history, ctx.rng)) {
        return Object.fromEntries(names.map((n, i) => [n, sampleOne(n, models[i]!, history, exploratory, ctx.rng, 'coverage')]));
      }
      return options.multivariate
        ? sampleJointly(names, models, history, options, ctx.rng, options.inFlightSpread && history.running.length > 0)
        : Object.fromEntries(names.map((n, i) => [n, sampleOne(n, models[i]!, history, options, ctx.rng)]));
    },
    sampleParam(name: string, dist: Distribution, ctx: SamplerContext): ParamValue {
      const history = splitHistory(ctx, options);
      if (history.nComplete < options.nStartupTrials) return sampleDistribution(dist, ctx.rng);
      const model = buildParamModel(dist);
      if (exploresNow(history, ctx.rng)) return sampleOne(name, model, history, exploratory, ctx.rng, 'coverage');
      return sampleOne(name, model, history, options, ctx.rng);
    },
  };
}

interface History {
  nComplete: number;
  /** Good group, in trial-number order. */
  below: Trial[];
  /** Quality rank of each good trial (0 = best), aligned with `below`. */
  belowRanks: number[];
  /** The rest (plus RUNNING trials under constantLiar), in trial-number order. */
  above: Trial[];
  /** RUNNING trials, in trial-number order. */
  running: Trial[];
}

function splitHistory(ctx: SamplerContext, options: TpeOptions): History {
  if (ctx.objectives.length > 1 || (ctx.constraints?.length ?? 0) > 0) return splitRanked(ctx, options);
  const sign = ctx.objectives[0]?.direction === 'maximize' ? -1 : 1;
  const trials = inNumberOrder(ctx.trials);
  const scores = new Float64Array(trials.length).fill(NaN);
  let nComplete = 0;
  const running: Trial[] = [];
  trials.forEach((trial, i) => {
    if (trial.state === 'RUNNING') running.push(trial);
    const value = trial.values?.[0];
    if (trial.state === 'COMPLETE' && typeof value === 'number' && !Number.isNaN(value)) {
      scores[i] = sign * value;
      nComplete++;
    }
  });
  const isBelow = bestIndices(scores, belowCount(options, nComplete));
  const below: Trial[] = [];
  const belowScores: number[] = [];
  const above: Trial[] = [];
  trials.forEach((trial, i) => {
    if (isBelow[i]) {
      below.push(trial);
      belowScores.push(scores[i]!);
    } else if (!Number.isNaN(scores[i]!) || (trial.state === 'RUNNING' && options.constantLiar)) above.push(trial);
  });
  return { nComplete, below, belowRanks: ranksOf(belowScores), above, running };
}

/** Rank of each score (0 = smallest), ties to the earlier index. */
function ranksOf(scores: readonly number[]): number[] {
  const order = [...scores.keys()].sort((a, b) => scores[a]! - scores[b]! || a - b);
  const ranks = new Array<number>(scores.length);
  order.forEach((i, rank) => (ranks[i] = rank));
  return ranks;
}

function inNumberOrder(trials: readonly Trial[]): readonly Trial[] {
  for (let i = 1; i < trials.length; i++) {
    if (trials[i]!.number < trials[i - 1]!.number) return [...trials].sort((a, b) => a.number - b.number);
  }
  return trials;
}

/**
 * Marks the k smallest scores (NaN = no score), ties to the earlier index: what a full sort by (score, number)
 * would put first, found in one pass that keeps only the k best (k is at most gammaMax, 25 by default).
 */
function bestIndices(scores: Float64Array, k: number): Uint8Array {
  const marks = new Uint8Array(scores.length);
  if (k <= 0) return marks;
  if (k > 64) {
    const order = [...scores.keys()].filter((i) => !Number.isNaN(scores[i]!));
    order.sort((a, b) => (scores[a]! < scores[b]! ? -1 : scores[a]! > scores[b]! ? 1 : a - b));
    for (const i of order.slice(0, k)) marks[i] = 1;
    return marks;
  }
  const kept: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i]!;
    if (Number.isNaN(score)) continue;
    if (kept.length === k && !(score < scores[kept[k - 1]!]!)) continue;
    let at = kept.length === k ? k - 1 : kept.length;
    while (at > 0 && score < scores[kept[at - 1]!]!) {
      kept[at] = kept[at - 1]!;
      at--;
    }
    kept[at] = i;
    if (kept.length > k) kept.length = k;
  }
  for (const i of kept) marks[i] = 1;
  return marks;
}

/**
 * Several objectives and/or constraints (Optuna's multi-objective and constrained TPE): the good group is the best
 * n_below trials in the order of rankTrials (feasible before infeasible; fronts of the non-dominated sort, the
 * boundary front cut by crowding distance where Optuna uses hypervolume contributions; infeasible by violation).
 */
function splitRanked(ctx: SamplerContext, options: TpeOptions): History {
  const ranked = rankTrials(ctx.trials, ctx.objectives, ctx.constraints).map((r) => r.trial);
  const byNumber = (a: Trial, b: Trial) => a.number - b.number;
  const running = ctx.trials.filter((t) => t.state === 'RUNNING').sort(byNumber);
  const nBelow = belowCount(options, ranked.length);
  const below = ranked.slice(0, nBelow).sort(byNumber);
  const rankOf = new Map(ranked.slice(0, nBelow).map((t, rank) => [t, rank]));
  return {
    nComplete: ranked.length,
    running,
    below,
    belowRanks: below.map((t) => rankOf.get(t)!),
    above: ranked.slice(nBelow).concat(options.constantLiar ? running : []).sort(byNumber),
  };
}

/** Internal coordinate (numeric) or choice index (categorical) of a trial's value; NaN when unusable. */
function coordinateOf(model: ModelledParam, raw: unknown): number {
  if (model.kind === 'numeric') return toInternal(model, raw);
  const index = model.indexOf(raw);
  return index < 0 ? NaN : index;
}

/** Column of internal coordinates / choice indices for one parameter, skipping trials without a usable value. */
function observe(model: ModelledParam, name: string, trials: readonly Trial[]): Float64Array {
  const column = new Float64Array(trials.length);
  let n = 0;
  for (const trial of trials) {
    const raw = trial.params[name];
    const x = coordinateOf(model, raw);
    if (Number.isNaN(x)) continue;
    column[n++] = x;
  }
  return column.subarray(0, n);
}

function weightsFor(options: TpeOptions, n: number): Float64Array {
  const weights = new Float64Array(n);
  observationWeights(options, n, weights);
  return weights;
}

function argmax(values: Float64Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

function outputValue(model: ModelledParam, coord: number): ParamValue {
  if (model.kind === 'categorical') return model.values[coord]!;
  return model.lattice ? model.lattice.value(coord) : continuousValue(model, coord);
}

function sampleOne(
  name: string,
  model: ParamModel,
  history: History,
  options: TpeOptions,
  rng: Rng,
  scoring: KernelScoring = 'density',
): ParamValue {
  if (model.kind === 'constant') return model.value;
  const below = observe(model, name, history.below);
  const above = observe(model, name, history.above);
  const good = buildParzenEstimator([model], [below], below.length, options, weightsFor(options, below.length), scoring);
  const bad = buildParzenEstimator([model], [above], above.length, options, weightsFor(options, above.length), scoring);
  const candidates = sampleCandidates(good, options.nEiCandidates, rng);
  const best = bestCandidate(good, bad, candidates);
  return outputValue(model, candidates.coords[0]![best]!);
}

function bestCandidate(
  good: ReturnType<typeof buildParzenEstimator>,
  bad: ReturnType<typeof buildParzenEstimator>,
  candidates: ReturnType<typeof sampleCandidates>,
): number {
  const logGood = new Float64Array(candidates.size);
  const logBad = new Float64Array(candidates.size);
  logPdf(good, candidates, logGood);
  logPdf(bad, candidates, logBad);
  for (let i = 0; i < logGood.length; i++) logGood[i] = logGood[i]! - logBad[i]!;
  return argmax(logGood);
}

/**
 * Rows of the trials that have a usable value for every modelled parameter, as columns; `kept`, when given,
 * receives the index in `trials` of each row.
 */
function observeJointly(names: string[], models: ModelledParam[], trials: readonly Trial[], kept?: number[]): Float64Array[] {
  const columns = models.map(() => new Float64Array(trials.length));
  let n = 0;
  for (const [index, trial] of trials.entries()) {
    let usable = true;
    for (let d = 0; d < models.length && usable; d++) {
      const model = models[d]!;
      const raw = trial.params[names[d]!];
      const x = coordinateOf(model, raw);
      if (Number.isNaN(x)) usable = false;
      else columns[d]![n] = x;
    }
    if (usable) {
      kept?.push(index);
      n++;
    }
  }
  return columns.map((c) => c.subarray(0, n));
}

function sampleJointly(
  names: string[],
  models: ParamModel[],
  history: History,
  options: TpeOptions,
  rng: Rng,
  spread = false,
): Params {
  const modelledNames: string[] = [];
  const modelled: ModelledParam[] = [];
  models.forEach((m, i) => {
    if (m.kind !== 'constant') {
      modelledNames.push(names[i]!);
      modelled.push(m);
    }
  });
  const params: Params = {};
  if (modelled.length > 0) {
    const kept: number[] = [];
    const below = observeJointly(modelledNames, modelled, history.below, kept);
    const above = observeJointly(modelledNames, modelled, history.above);
    const nBelow = below[0]!.length;
    const nAbove = above[0]!.length;
    const good = buildParzenEstimator(modelled, below, nBelow, options, weightsFor(options, nBelow));
    const bad = buildParzenEstimator(modelled, above, nAbove, options, weightsFor(options, nAbove));
    const kernel = spread
      ? leastRefinedRow(modelled, below, kept.map((i) => history.belowRanks[i]!), observeJointly(modelledNames, modelled, history.running))
      : -1;
    const candidates = sampleCandidates(good, options.nEiCandidates, rng, kernel);
    const best = bestCandidate(good, bad, candidates);
    modelled.forEach((m, d) => {
      params[modelledNames[d]!] = outputValue(m, candidates.coords[d]![best]!);
    });
  }
  const out: Params = {};
  names.forEach((name, i) => {
    const model = models[i]!;
    out[name] = model.kind === 'constant' ? model.value : params[name]!;
  });
  return out;
}

/**
 * inFlightSpread: the row of the good trial that the fewest RUNNING trials lie nearest to, ties to the better rank;
 * -1 (no choice: kernels picked by weight) with fewer than two good rows. Distance: squared, each numeric coordinate
 * divided by its range, a differing category counting 1.
 */
function leastRefinedRow(models: ModelledParam[], below: Float64Array[], ranks: number[], running: Float64Array[]): number {
  const nBelow = below[0]!.length;
  if (nBelow < 2) return -1;
  const refining = new Uint32Array(nBelow);
  for (let r = 0; r < running[0]!.length; r++) {
    let nearest = 0;
    let nearestDistance = Infinity;
    for (let g = 0; g < nBelow; g++) {
      let distance = 0;
      models.forEach((model, d) => {
        const a = below[d]![g]!;
        const b = running[d]![r]!;
        if (model.kind === 'categorical') distance += a === b ? 0 : 1;
        else distance += ((a - b) / (model.hi - model.lo)) ** 2;
      });
      if (distance < nearestDistance) {
        nearestDistance = distance;
        nearest = g;
      }
    }
    refining[nearest]!++;
  }
  let chosen = 0;
  for (let g = 1; g < nBelow; g++) {
    if (refining[g]! < refining[chosen]! || (refining[g] === refining[chosen] && ranks[g]! < ranks[chosen]!)) chosen = g;
  }
  return chosen;
}
