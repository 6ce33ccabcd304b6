// Suite `mo-zdt` (extra, not in the default run): multi-objective search on ZDT1 and ZDT2 (30 dims, 200 trials,
// 5 seeds, both objectives minimized). The final hypervolume of swarmtune's nsga2 and multi-objective TPE against
// random search, and against Optuna's NSGAIISampler at its default population (50) and at swarmtune's (20).
// Both sides run sequentially in process (swarmtune: createStudy() ask/tell on the memory store); one hypervolume
// function (core's, exact) scores every run against the same reference point.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRng, createStudy, hypervolume } from '@swarmtune/core';
import { intFlag } from '../lib/args.mjs';
import { fmt, ratio } from '../lib/format.mjs';
import { PYTHON } from '../lib/optuna.mjs';
import { BENCH_DIR } from '../lib/results.mjs';
import { median } from '../lib/stats.mjs';

/** f1 lies in [0, 1] and f2 in [0, 10] (g <= 10): the reference point bounds both with a margin. */
export const REFERENCE = [1.1, 11];
const OPTUNA_POPULATIONS = [50, 20];

export const PROBLEMS = {
  zdt1: (x) => {
    const g = 1 + (9 * x.slice(1).reduce((a, b) => a + b, 0)) / (x.length - 1);
    return [x[0], g * (1 - Math.sqrt(x[0] / g))];
  },
  zdt2: (x) => {
    const g = 1 + (9 * x.slice(1).reduce((a, b) => a + b, 0)) / (x.length - 1);
    return [x[0], g * (1 - (x[0] / g) ** 2)];
  },
};

const SAMPLERS = {
  random: { name: 'random' },
  nsga2: { name: 'nsga2' },
  'tpe-mo': { name: 'tpe', options: { multivariate: true } },
};

const names = (dims) => Array.from({ length: dims }, (_, i) => `x${String(i).padStart(2, '0')}`);

/** One seeded study through the public API; returns the final hypervolume. */
async function swarmtuneRun(problem, sampler, { dims, trials, seed }) {
  const keys = names(dims);
  const study = await createStudy({
    searchSpace: Object.fromEntries(keys.map((k) => [k, { _type: 'uniform', _value: [0, 1] }])),
    objectives: [
      { name: 'f1', direction: 'minimize' },
      { name: 'f2', direction: 'minimize' },
    ],
    sampler,
    seed,
  });
  const points = [];
  for (let n = 0; n < trials; n++) {
    const handle = await study.ask();
    if (!handle) throw new Error(`${problem} ${sampler.name} seed ${seed}: ask returned nothing after ${n} trials`);
    const values = PROBLEMS[problem](keys.map((k) => handle.params[k]));
    await study.tell(handle, values);
    points.push(values);
  }
  return hypervolume(points, REFERENCE);
}

export async function runMoZdt(flags) {
  const trials = intFlag(flags, 'trials', 200);
  const seedsN = intFlag(flags, 'seeds', 5);
  const dims = intFlag(flags, 'dims', 30);
  const seeds = Array.from({ length: seedsN }, (_, i) => i);
  const rng = createRng(11);
  const check = Array.from({ length: 4 }, () => Array.from({ length: dims }, () => rng.next()));
  const rows = [];
  for (const problem of Object.keys(PROBLEMS)) {
    // Optuna runs in its own process (on the other core) while this one runs swarmtune.
    const request = { problem, dims, trials, seeds, populations: OPTUNA_POPULATIONS, check };
    const optuna = promisify(execFile)(PYTHON, [join(BENCH_DIR, 'optuna', 'mo_zdt.py'), JSON.stringify(request)], { maxBuffer: 64 * 2 ** 20 });
    const hypervolumes = {};
    for (const [label, sampler] of Object.entries(SAMPLERS)) {
      hypervolumes[label] = [];
      for (const seed of seeds) hypervolumes[label].push(await swarmtuneRun(problem, sampler, { dims, trials, seed }));
    }
    const reply = JSON.parse((await optuna).stdout.trim().split('\n').pop());
    // Both implementations of the problem agree (guards against a typo on one side).
    check.forEach((x, i) => {
      const js = PROBLEMS[problem](x);
      if (js.some((v, k) => Math.abs(v - reply.check[i][k]) > 1e-9)) throw new Error(`${problem} differs: JS ${js}, Python ${reply.check[i]}`);
    });
    for (const p of OPTUNA_POPULATIONS) hypervolumes[optunaLabel(p)] = reply.runs[p].map((points) => hypervolume(points, REFERENCE));
    const medians = Object.fromEntries(Object.entries(hypervolumes).map(([k, v]) => [k, median(v)]));
    rows.push({ problem, hypervolumes, medians });
    console.log(`${problem}: median final hypervolume ${Object.entries(medians).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
  }
  return { suite: 'mo-zdt', trials, seeds: seedsN, dims, reference: REFERENCE, rows };
}

const optunaLabel = (population) => (population === OPTUNA_POPULATIONS[0] ? 'optuna-nsga2' : `optuna-nsga2-p${population}`);

/** Share of (a run, b run) pairs in which a's run has the larger hypervolume (ties count half). */
function superiority(a, b) {
  let wins = 0;
  for (const x of a) for (const y of b) wins += x > y ? 1 : x === y ? 0.5 : 0;
  return wins / (a.length * b.length);
}

const pct = (x) => `${Math.round(100 * x)}%`;

export function moZdtTable(result) {
  const labels = Object.keys(result.rows[0].medians);
  const header = [
    'problem',
    ...labels.map((l) => `${l} HV`),
    'nsga2/random',
    'P(nsga2 > random)',
    ...OPTUNA_POPULATIONS.map((p) => `nsga2/optuna p${p}`),
    `P(optuna p${OPTUNA_POPULATIONS[0]} > random)`,
  ];
  const rows = result.rows.map((r) => [
    r.problem,
    ...labels.map((l) => fmt(r.medians[l], 4)),
    ratio(r.medians.nsga2, r.medians.random),
    pct(superiority(r.hypervolumes.nsga2, r.hypervolumes.random)),
    ...OPTUNA_POPULATIONS.map((p) => ratio(r.medians.nsga2, r.medians[optunaLabel(p)])),
    pct(superiority(r.hypervolumes['optuna-nsga2'], r.hypervolumes.random)),
  ]);
  return { header, rows };
}

/** Target: the median nsga2 hypervolume >= 1.05x random's. How often a single run beats random is reported too. */
export function moZdtVerdict(result) {
  return result.rows.flatMap((r) => {
    const met = r.medians.nsga2 >= 1.05 * r.medians.random;
    const vsOptuna = OPTUNA_POPULATIONS.map((n) => `${ratio(r.medians.nsga2, r.medians[optunaLabel(n)])} at population ${n}`);
    return [
      `${r.problem}: nsga2 median hypervolume is ${ratio(r.medians.nsga2, r.medians.random)} random's (target: >= 1.05x: ` +
        `${met ? 'met' : 'MISSED'}); an nsga2 run beats a random run in ${pct(superiority(r.hypervolumes.nsga2, r.hypervolumes.random))} of seed pairs`,
      `${r.problem}: nsga2 against Optuna's NSGAIISampler: ${vsOptuna.join(', ')}; Optuna's (population ` +
        `${OPTUNA_POPULATIONS[0]}, its default) is ${ratio(r.medians['optuna-nsga2'], r.medians.random)} random's`,
    ];
  });
}
