// Multi-objective bench: nsga2 (and multi-objective TPE) against random search on ZDT1 and ZDT2 (30 dims),
// 200 trials, 5 seeds; compared with Optuna's NSGAIISampler when /usr/bin/python3 can import optuna.
//   npm run build && node bench/mo-zdt.mjs [--trials 200] [--seeds 5] [--dims 30]
// Prints the median final hypervolume per sampler and the ratio to random search (higher is better), and writes
// bench/results/mo-zdt.json. Also usable as a suite: runMoZdt(flags), moZdtTable(result), moZdtVerdict(result).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const core = await import(pathToFileURL(join(here, '..', 'packages', 'core', 'dist', 'index.js')).href);
const { createRng, createSampler, hypervolume, paretoFront, parseSearchSpace } = core;

/** Hypervolume reference point for both problems: f1 in [0, 1], f2 in [0, 10]. */
export const REFERENCE = [1.1, 11];

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

const OBJECTIVES = [
  { name: 'f1', direction: 'minimize' },
  { name: 'f2', direction: 'minimize' },
];

function spaceOf(dims) {
  return Object.fromEntries(Array.from({ length: dims }, (_, i) => [`x${String(i).padStart(2, '0')}`, { _type: 'uniform', _value: [0, 1] }]));
}

/** One sequential study in process: ask the sampler, evaluate, record; returns the final hypervolume. */
function runSwarmtune(problem, samplerConfig, { trials, dims, seed }) {
  const space = parseSearchSpace(spaceOf(dims));
  const names = Object.keys(space).sort();
  const sampler = createSampler(samplerConfig);
  const done = [];
  for (let n = 0; n < trials; n++) {
    const rng = createRng(`${seed}:${n}`);
    const params = sampler.sample({ space, objectives: OBJECTIVES, trials: done, rng });
    const values = PROBLEMS[problem](names.map((k) => params[k]));
    done.push({ id: `t${n}`, number: n, study: 'zdt', state: 'COMPLETE', params, paramKey: null, values, createdAt: n, rev: 1 });
  }
  return hypervolume(paretoFront(done, OBJECTIVES).map((t) => t.values), REFERENCE);
}

function optunaAvailable() {
  return spawnSync('/usr/bin/python3', ['-c', 'import optuna'], { stdio: 'ignore' }).status === 0;
}

function runOptuna(problem, { trials, dims, seed }) {
  const res = spawnSync('/usr/bin/python3', [join(here, 'mo-zdt-optuna.py'), problem, String(trials), String(dims), String(seed)], {
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`mo-zdt-optuna.py failed: ${res.stderr.slice(-2000)}`);
  const points = JSON.parse(res.stdout.trim().split('\n').pop());
  return hypervolume(points, REFERENCE);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export function runMoZdt(flags = {}) {
  const trials = Number(flags.trials ?? 200);
  const seeds = Number(flags.seeds ?? 5);
  const dims = Number(flags.dims ?? 30);
  const samplers = {
    random: { name: 'random' },
    nsga2: { name: 'nsga2' },
    'tpe-mo': { name: 'tpe', options: { multivariate: true } },
  };
  const withOptuna = optunaAvailable();
  const rows = [];
  for (const problem of Object.keys(PROBLEMS)) {
    const hv = {};
    for (const [label, config] of Object.entries(samplers)) {
      hv[label] = Array.from({ length: seeds }, (_, seed) => runSwarmtune(problem, config, { trials, dims, seed }));
    }
    if (withOptuna) hv['optuna-nsga2'] = Array.from({ length: seeds }, (_, seed) => runOptuna(problem, { trials, dims, seed }));
    const medians = Object.fromEntries(Object.entries(hv).map(([k, v]) => [k, median(v)]));
    rows.push({ problem, hypervolumes: hv, medians });
  }
  return { date: new Date().toISOString(), trials, seeds, dims, reference: REFERENCE, optuna: withOptuna, rows };
}

export function moZdtTable(result) {
  const labels = Object.keys(result.rows[0].medians);
  const header = ['problem', ...labels.map((l) => `${l} HV`), 'nsga2/random', ...(result.optuna ? ['nsga2/optuna'] : [])];
  const lines = result.rows.map((r) => [
    r.problem,
    ...labels.map((l) => r.medians[l].toFixed(3)),
    (r.medians.nsga2 / r.medians.random).toFixed(3),
    ...(result.optuna ? [(r.medians.nsga2 / r.medians['optuna-nsga2']).toFixed(3)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  return [header, ...lines].map((l) => l.map((c, i) => c.padStart(widths[i])).join('  ')).join('\n');
}

export function moZdtVerdict(result) {
  const out = result.rows.map(
    (r) => `${r.problem}: nsga2 median hypervolume is ${(r.medians.nsga2 / r.medians.random).toFixed(3)} x random's (target: >= 1.05: ${r.medians.nsga2 >= 1.05 * r.medians.random ? 'met' : 'MISSED'})`,
  );
  if (!result.optuna) out.push('Optuna is not importable by /usr/bin/python3: the NSGAIISampler comparison was skipped (apt-get install -y python3-optuna).');
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const flags = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) if (argv[i].startsWith('--')) flags[argv[i].slice(2)] = argv[++i];
  const result = runMoZdt(flags);
  console.log(`ZDT, ${result.dims} dims, ${result.trials} trials, ${result.seeds} seeds, reference ${result.reference.join(',')}: median final hypervolume`);
  console.log(moZdtTable(result));
  for (const line of moZdtVerdict(result)) console.log(line);
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'mo-zdt.json'), `${JSON.stringify(result, null, 2)}\n`);
}
