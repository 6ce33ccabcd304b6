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
import { buildParzenEstimator, logPdf, sampleCandidates, type ModelledParam } from './parzen.js';

/**
 * Tree-structured Parzen Estimator, following Optuna's TPESampler: COMPLETE trials are split into a good group
 * (the best n_below = min(ceil(gamma * n), gammaMax)) and the rest; a Parzen estimator is fitted to each; candidates
 * are drawn from the good one and the candidate with the largest log l(x) - log g(x) wins.
 *
 * - Single objective: values[0] with its direction (maximize is negated). Trials without values (FAIL, PRUNED,
 *   WAITING) are ignored.
 * - constantLiar: every RUNNING trial counts as a trial with the worst value seen so far. A worst-valued trial can
 *   never be in the good group, so it joins the other group directly (as Optuna does); gamma's n counts
 *   COMPLETE trials only.
 * - multivariate: one joint estimator over all parameters (shared kernel per observation). With the default
 *   bandwidth 'optuna', kernel widths follow Optuna: the neighbour-gap rule per parameter when univariate, one
 *   Scott-like width per dimension when multivariate; bandwidth 'neighbour' uses the neighbour-gap rule also when
 *   multivariate (see options.ts).
 */
export function createTpeSampler(options: TpeOptions): Sampler {
  return {
    name: 'tpe',
    sample(ctx) {
      const history = splitHistory(ctx, options);
      if (history.nComplete < options.nStartupTrials) return sampleSpace(ctx.space, ctx.rng);
      const names = Object.keys(ctx.space).sort(compareNames);
      const models = names.map((n) => buildParamModel(ctx.space[n]!));
      return options.multivariate
        ? sampleJointly(names, models, history, options, ctx.rng)
        : Object.fromEntries(names.map((n, i) => [n, sampleOne(n, models[i]!, history, options, ctx.rng)]));
    },
    sampleParam(name: string, dist: Distribution, ctx: SamplerContext): ParamValue {
      const history = splitHistory(ctx, options);
      if (history.nComplete < options.nStartupTrials) return sampleDistribution(dist, ctx.rng);
      return sampleOne(name, buildParamModel(dist), history, options, ctx.rng);
    },
  };
}

interface History {
  nComplete: number;
  /** Good group, in trial-number order. */
  below: Trial[];
  /** The rest (plus RUNNING trials under constantLiar), in trial-number order. */
  above: Trial[];
}

function splitHistory(ctx: SamplerContext, options: TpeOptions): History {
  if (ctx.objectives.length > 1 || (ctx.constraints?.length ?? 0) > 0) return splitRanked(ctx, options);
  const sign = ctx.objectives[0]?.direction === 'maximize' ? -1 : 1;
  const scored: { trial: Trial; score: number }[] = [];
  const running: Trial[] = [];
  for (const trial of ctx.trials) {
    if (trial.state === 'COMPLETE') {
      const value = trial.values?.[0];
      if (typeof value === 'number' && !Number.isNaN(value)) scored.push({ trial, score: sign * value });
    } else if (trial.state === 'RUNNING' && options.constantLiar) {
      running.push(trial);
    }
  }
  scored.sort((a, b) => a.score - b.score || a.trial.number - b.trial.number);
  const nBelow = belowCount(options, scored.length);
  const byNumber = (a: Trial, b: Trial) => a.number - b.number;
  const below = scored.slice(0, nBelow).map((s) => s.trial).sort(byNumber);
  const above = scored
    .slice(nBelow)
    .map((s) => s.trial)
    .concat(running)
    .sort(byNumber);
  return { nComplete: scored.length, below, above };
}

/**
 * Several objectives and/or constraints (Optuna's multi-objective and constrained TPE): the good group is the best
 * n_below trials in the order of rankTrials (feasible before infeasible; fronts of the non-dominated sort, the
 * boundary front cut by crowding distance where Optuna uses hypervolume contributions; infeasible by violation).
 */
function splitRanked(ctx: SamplerContext, options: TpeOptions): History {
  const ranked = rankTrials(ctx.trials, ctx.objectives, ctx.constraints).map((r) => r.trial);
  const running = options.constantLiar ? ctx.trials.filter((t) => t.state === 'RUNNING') : [];
  const nBelow = belowCount(options, ranked.length);
  const byNumber = (a: Trial, b: Trial) => a.number - b.number;
  return {
    nComplete: ranked.length,
    below: ranked.slice(0, nBelow).sort(byNumber),
    above: ranked.slice(nBelow).concat(running).sort(byNumber),
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

function sampleOne(name: string, model: ParamModel, history: History, options: TpeOptions, rng: Rng): ParamValue {
  if (model.kind === 'constant') return model.value;
  const below = observe(model, name, history.below);
  const above = observe(model, name, history.above);
  const good = buildParzenEstimator([model], [below], below.length, options, weightsFor(options, below.length));
  const bad = buildParzenEstimator([model], [above], above.length, options, weightsFor(options, above.length));
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

/** Rows of the trials that have a usable value for every modelled parameter, as columns. */
function observeJointly(names: string[], models: ModelledParam[], trials: readonly Trial[]): Float64Array[] {
  const columns = models.map(() => new Float64Array(trials.length));
  let n = 0;
  for (const trial of trials) {
    let usable = true;
    for (let d = 0; d < models.length && usable; d++) {
      const model = models[d]!;
      const raw = trial.params[names[d]!];
      const x = coordinateOf(model, raw);
      if (Number.isNaN(x)) usable = false;
      else columns[d]![n] = x;
    }
    if (usable) n++;
  }
  return columns.map((c) => c.subarray(0, n));
}

function sampleJointly(names: string[], models: ParamModel[], history: History, options: TpeOptions, rng: Rng): Params {
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
    const below = observeJointly(modelledNames, modelled, history.below);
    const above = observeJointly(modelledNames, modelled, history.above);
    const nBelow = below[0]!.length;
    const nAbove = above[0]!.length;
    const good = buildParzenEstimator(modelled, below, nBelow, options, weightsFor(options, nBelow));
    const bad = buildParzenEstimator(modelled, above, nAbove, options, weightsFor(options, nAbove));
    const candidates = sampleCandidates(good, options.nEiCandidates, rng);
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

