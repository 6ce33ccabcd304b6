// Runs the vector-index study with 2 worker processes sharing one store, then writes its Pareto front and
// hypervolume history as CSV and SVG.
//   node examples/vector-index/run.mjs [--store URL] [--out DIR] [--workers N]
// Defaults: the embedded file store under .swarmtune/ of the current folder, results in ./vector-index-results.
// Each worker is a `swarmtune worker start` process, as on a cluster; a study already DONE is only reported.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const cli = resolve(here, '../../packages/cli/dist/bin.js');
const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'file:.swarmtune/vector-index.jsonl' },
    out: { type: 'string', default: 'vector-index-results' },
    workers: { type: 'string', default: '2' },
  },
});
const store = ['--store', values.store];
const workers = Number(values.workers);
if (!Number.isInteger(workers) || workers < 1) {
  console.error(`--workers: expected a whole number >= 1, got ${values.workers}`);
  process.exit(2);
}

function swarmtune(args) {
  const res = spawnSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (res.error) throw res.error;
  if (res.status !== 0) process.exit(res.status ?? 1);
}

function worker() {
  const child = spawn(process.execPath, [cli, 'worker', 'start', '--study', 'vector-index', ...store], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { SWARMTUNE_LOG_LEVEL: 'warn', ...process.env },
  });
  return new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit(code ?? (signal ? 1 : 0))));
}

const out = resolve(values.out);
mkdirSync(out, { recursive: true });
swarmtune(['study', 'create', join(here, 'experiment.yaml'), ...store]);
console.log(`${workers} worker process(es) running the study...`);
// Ctrl-C reaches the workers too: each finishes its trial (a second Ctrl-C interrupts it); wait for them.
process.on('SIGINT', () => undefined);
const codes = await Promise.all(Array.from({ length: workers }, () => worker()));
if (codes.some((c) => c !== 0)) {
  console.error(`a worker exited with code ${codes.find((c) => c !== 0)}`);
  process.exit(1);
}
swarmtune(['report', 'pareto', '--study', 'vector-index', ...store, '--csv', join(out, 'pareto.csv'), '--svg', join(out, 'pareto.svg')]);
swarmtune(['report', 'hypervolume', '--study', 'vector-index', ...store, '--csv', join(out, 'hypervolume.csv'), '--svg', join(out, 'hypervolume.svg')]);
console.log(`wrote pareto.csv, pareto.svg, hypervolume.csv and hypervolume.svg to ${out}`);
