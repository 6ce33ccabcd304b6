// Runs the vector-index study with 2 workers, then writes its Pareto front and hypervolume history as CSV and SVG.
//   node examples/vector-index/run.mjs [--store URL] [--out DIR] [--workers N]
// Defaults: the embedded file store under .swarmtune/ of the current folder, results in ./vector-index-results.
import { spawnSync } from 'node:child_process';
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

function swarmtune(args) {
  const res = spawnSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (res.error) throw res.error;
  if (res.status !== 0) process.exit(res.status ?? 1);
}

const out = resolve(values.out);
mkdirSync(out, { recursive: true });
const store = ['--store', values.store];
swarmtune(['run', join(here, 'experiment.yaml'), '--workers', values.workers, ...store]);
swarmtune(['report', 'pareto', '--study', 'vector-index', ...store, '--csv', join(out, 'pareto.csv'), '--svg', join(out, 'pareto.svg')]);
swarmtune(['report', 'hypervolume', '--study', 'vector-index', ...store, '--csv', join(out, 'hypervolume.csv'), '--svg', join(out, 'hypervolume.svg')]);
console.log(`wrote pareto.csv, pareto.svg, hypervolume.csv and hypervolume.svg to ${out}`);
