// Suites `quality` (sequential) and `parallel` (8 trials in flight, constant liar on both sides): final regret and
// best-so-far on standard test functions, swarmtune vs Optuna, like with like.
import { createRng, createStudy } from '@swarmtune/core';
import { intFlag, listFlag } from '../lib/args.mjs';
import { FUNCTIONS, nniSpace, randomPoint } from '../lib/functions.mjs';
import { fmt, ratio } from '../lib/format.mjs';
import { runOptuna, runOptunaQueued } from '../lib/optuna.mjs';
import { readResult } from '../lib/results.mjs';
import { bestSoFar, mean, median, medianRatioInterval } from '../lib/stats.mjs';

/**
 * Compared configurations: swarmtune options and the Optuna sampler settings that match them. `tpe` is each side's
 * default TPE; `tpe-mv` is multivariate on both sides (swarmtune's default already is). The extra `tpe-optuna` runs
 * swarmtune's TPE with Optuna's defaults (preset optuna) against Optuna's default TPE: the same published
 * algorithm, so it shows what the kernel difference of Optuna 3.1 (see bench/notes/quality.md) does.
 */
const CONFIGS = {
  tpe: { swarmtune: { name: 'tpe', options: {} }, optuna: { sampler: 'tpe' } },
  'tpe-mv': { swarmtune: { name: 'tpe', options: { multivariate: true } }, optuna: { sampler: 'tpe', multivariate: true } },
  random: { swarmtune: { name: 'random' }, optuna: { sampler: 'random' } },
  'tpe-optuna': { swarmtune: { name: 'tpe', options: { preset: 'optuna' } }, optuna: { sampler: 'tpe' }, extra: true },
};

/** `--tpe-options JSON`: one more configuration, swarmtune's TPE with these options against Optuna's default TPE. */
function customConfig(flags) {
  if (flags['tpe-options'] === undefined) return {};
  let options;
  try {
    options = JSON.parse(flags['tpe-options']);
  } catch (err) {
    throw new Error(`--tpe-options: expected a JSON object of TPE options, got ${flags['tpe-options']} (${err.message})`);
  }
  return { 'tpe-custom': { swarmtune: { name: 'tpe', options }, optuna: { sampler: 'tpe' }, extra: true } };
}

const OPTUNA_SEEDS_PER_PROCESS = 10;

export function withLiar(config) {
  if (config.name !== 'tpe') return config;
  return { ...config, options: { ...config.options, constantLiar: true } };
}

async function swarmtuneRuns(fnName, samplerConfig, seeds, trials, inFlight) {
  const fn = FUNCTIONS[fnName];
  const runs = [];
  const t0 = performance.now();
  for (const seed of seeds) {
    const study = await createStudy({ searchSpace: nniSpace(fn.dims), sampler: samplerConfig, seed, direction: 'minimize' });
    const values = [];
    const pending = [];
    let asked = 0;
    while (asked < trials || pending.length > 0) {
      while (asked < trials && pending.length < inFlight) {
        const handle = await study.ask();
        if (!handle) throw new Error(`swarmtune ${fnName} seed ${seed}: ask returned nothing after ${asked} trials`);
        pending.push(handle);
        asked++;
      }
      const handle = pending.shift();
      const value = fn.f(handle.params);
      await study.tell(handle, value);
      values.push(value);
    }
    runs.push({ seed, values });
  }
  return { runs, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Optuna's runs of one function and setting, in chunks of seeds run one process per core (Optuna is the slower
 * side by 20x, so swarmtune's runs in this process barely compete). `seconds` adds up the chunks' own times.
 */
async function optunaQuality(request) {
  const chunks = [];
  for (let i = 0; i < request.seeds.length; i += OPTUNA_SEEDS_PER_PROCESS) chunks.push(request.seeds.slice(i, i + OPTUNA_SEEDS_PER_PROCESS));
  const replies = await Promise.all(chunks.map((seeds) => runOptunaQueued('quality', { ...request, seeds })));
  return { runs: replies.flatMap((r) => r.runs), seconds: replies.reduce((sum, r) => sum + r.seconds, 0) };
}

function summarise(runs, optimum, trials) {
  const curves = runs.map((r) => bestSoFar(r.values).map((v) => v - optimum));
  const finals = curves.map((c) => c[c.length - 1]);
  const checkpoints = {};
  for (const k of [10, 25, 50, 100, trials]) if (k <= trials) checkpoints[k] = median(curves.map((c) => c[k - 1]));
  return { medianFinal: median(finals), meanFinal: mean(finals), checkpoints, finals };
}

/** Both implementations of every function agree on random points (guards against a typo on one side). */
async function selfcheck() {
  const rng = createRng(7);
  const rand = () => rng.next();
  const points = [];
  for (const [fnName, fn] of Object.entries(FUNCTIONS)) for (let i = 0; i < 3; i++) points.push({ fn: fnName, params: randomPoint(fn.dims, rand) });
  const { values } = await runOptuna('selfcheck', { points });
  points.forEach((p, i) => {
    const js = FUNCTIONS[p.fn].f(p.params);
    if (Math.abs(js - values[i]) > 1e-9 * Math.max(1, Math.abs(js))) throw new Error(`function ${p.fn} differs: JS ${js}, Python ${values[i]}`);
  });
}

export async function runQuality(flags, { parallel }) {
  const seedsN = intFlag(flags, 'seeds', 40);
  // Seeds firstSeed .. firstSeed + seeds - 1: a rerun on fresh seeds tells a real gain from a lucky sample.
  const firstSeed = intFlag(flags, 'first-seed', 0, { min: 0 });
  const trials = intFlag(flags, 'trials', 100);
  const inFlight = parallel ? intFlag(flags, 'in-flight', 8) : 1;
  const functions = listFlag(flags, 'functions', Object.keys(FUNCTIONS));
  const custom = customConfig(flags);
  const configs = { ...CONFIGS, ...custom };
  const configNames = listFlag(flags, 'configs', [...(parallel ? ['tpe', 'tpe-mv', 'tpe-optuna'] : Object.keys(CONFIGS)), ...Object.keys(custom)]);
  for (const f of functions) if (!FUNCTIONS[f]) throw new Error(`--functions: unknown function ${f}; known: ${Object.keys(FUNCTIONS).join(', ')}`);
  for (const c of configNames) if (!configs[c]) throw new Error(`--configs: unknown config ${c}; known: ${Object.keys(configs).join(', ')}`);
  const seeds = Array.from({ length: seedsN }, (_, i) => firstSeed + i);
  await selfcheck();

  const rows = [];
  // Configurations that share an Optuna setting share its runs (Optuna is the slower side).
  const optunaRuns = new Map();
  for (const fnName of functions) {
    const fn = FUNCTIONS[fnName];
    for (const configName of configNames) {
      const config = configs[configName];
      const st = parallel ? withLiar(config.swarmtune) : config.swarmtune;
      const op = parallel && config.optuna.sampler === 'tpe' ? { ...config.optuna, constantLiar: true } : config.optuna;
      const key = JSON.stringify([fnName, op]);
      if (!optunaRuns.has(key)) optunaRuns.set(key, optunaQuality({ function: fnName, dims: fn.dims, config: op, seeds, trials, inFlight }));
      const optunaPromise = optunaRuns.get(key);
      const ours = await swarmtuneRuns(fnName, st, seeds, trials, inFlight);
      const theirs = await optunaPromise;
      const row = {
        function: fnName,
        config: configName,
        extra: Boolean(config.extra),
        swarmtune: { ...summarise(ours.runs, fn.optimum, trials), seconds: ours.seconds, sampler: st },
        optuna: { ...summarise(theirs.runs, fn.optimum, trials), seconds: theirs.seconds, sampler: op },
      };
      rows.push(row);
      console.log(
        `${fnName.padEnd(12)} ${configName.padEnd(10)} median final regret: swarmtune ${fmt(row.swarmtune.medianFinal)}  optuna ${fmt(row.optuna.medianFinal)}  (${ours.seconds.toFixed(1)} s / ${theirs.seconds.toFixed(1)} s)`,
      );
    }
  }

  const result = { suite: parallel ? 'parallel' : 'quality', seeds: seedsN, firstSeed, trials, inFlight, functions, configs: configNames, rows };
  if (parallel) result.sequential = sequentialReference(seedsN, firstSeed, trials);
  return result;
}

/** The quality suite's results, when they were measured with the same sizes (for the loss against sequential). */
function sequentialReference(seeds, firstSeed, trials) {
  const q = readResult('quality');
  if (!q || q.seeds !== seeds || (q.firstSeed ?? 0) !== firstSeed || q.trials !== trials) return null;
  return q.rows.map((r) => ({ function: r.function, config: r.config, swarmtune: r.swarmtune.medianFinal, optuna: r.optuna.medianFinal }));
}

/** 90% bootstrap interval of a row's median ratio, from the final regrets the result keeps. */
function ratioInterval(row) {
  return medianRatioInterval(row.swarmtune.finals ?? [], row.optuna.finals ?? []);
}

/**
 * Per compared config: functions where swarmtune's median final regret <= Optuna's, and how many of those wins and
 * losses survive resampling (the ratio's 90% interval lies wholly below / above 1).
 */
export function wins(result) {
  const out = {};
  for (const r of result.rows) {
    out[r.config] ??= { wins: 0, of: 0, clearWins: 0, clearLosses: 0 };
    const w = out[r.config];
    w.of++;
    if (r.swarmtune.medianFinal <= r.optuna.medianFinal) w.wins++;
    const [lo, hi] = ratioInterval(r);
    if (hi < 1) w.clearWins++;
    if (lo > 1) w.clearLosses++;
  }
  return out;
}

export function qualityTable(result) {
  const cps = Object.keys(result.rows[0]?.swarmtune.checkpoints ?? {});
  const header = ['function', 'config', 'swarmtune median', 'optuna median', 'ratio', 'ratio 90% interval', 'swarmtune mean', 'optuna mean', ...cps.map((c) => `@${c} s/o`)];
  if (result.sequential) header.push('loss vs seq s/o');
  const rows = result.rows.map((r) => {
    const row = [
      r.function,
      r.extra ? `${r.config} (extra)` : r.config,
      fmt(r.swarmtune.medianFinal),
      fmt(r.optuna.medianFinal),
      ratio(r.swarmtune.medianFinal, r.optuna.medianFinal),
      ratioInterval(r).map((x) => fmt(x, 2)).join(' - '),
      fmt(r.swarmtune.meanFinal),
      fmt(r.optuna.meanFinal),
      ...cps.map((c) => `${fmt(r.swarmtune.checkpoints[c])} / ${fmt(r.optuna.checkpoints[c])}`),
    ];
    if (result.sequential) {
      const seq = result.sequential.find((s) => s.function === r.function && s.config === r.config);
      row.push(seq ? `${ratio(r.swarmtune.medianFinal, seq.swarmtune)} / ${ratio(r.optuna.medianFinal, seq.optuna)}` : '-');
    }
    return row;
  });
  return { header, rows };
}
