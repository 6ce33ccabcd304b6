// `npm run bench [-- SUITE...] [--flags]`: swarmtune vs Optuna, side by side on this machine.
// Suites: quality parallel overhead cluster duplicates (default: all, in that order). Flags raise or lower sizes;
// see bench/README.md. Each suite writes bench/results/<suite>.json; bench/RESULTS.md is rebuilt from all of them.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { parseArgs } from './lib/args.mjs';
import { textTable } from './lib/format.mjs';
import { ensureOptuna } from './lib/optuna.mjs';
import { BENCH_DIR, writeResult } from './lib/results.mjs';
import { SUITES, writeResultsMarkdown } from './lib/report.mjs';

const { suites: asked, flags } = parseArgs(process.argv.slice(2));
const names = asked.length > 0 ? asked : Object.keys(SUITES).filter((n) => !SUITES[n].extra);
for (const n of names) {
  if (!SUITES[n]) {
    console.error(`unknown suite "${n}"; suites: ${Object.keys(SUITES).join(', ')}`);
    process.exit(2);
  }
}

let optunaVersion;
try {
  optunaVersion = ensureOptuna();
  // The same check `npm test` runs: installs redis-server as root, or stops with one message.
  if (names.some((n) => SUITES[n].needsRedis)) execFileSync(process.execPath, [join(BENCH_DIR, '..', 'scripts', 'ensure-redis.mjs')], { stdio: 'inherit' });
} catch (err) {
  console.error(err.message);
  process.exit(1);
}

const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${osType()} ${release()}, Node ${process.version}`;
for (const name of names) {
  const suite = SUITES[name];
  console.log(`\n== ${name} ==`);
  const started = Date.now();
  const result = await suite.run(flags);
  Object.assign(result, {
    date: new Date().toISOString(),
    machine,
    optuna: optunaVersion,
    command: `npm run bench -- ${[name, ...process.argv.slice(2).filter((a) => !names.includes(a))].join(' ')}`,
    wallSeconds: (Date.now() - started) / 1000,
  });
  writeResult(name, result);
  const { header, rows } = suite.table(result);
  console.log(`\n${textTable(header, rows)}`);
  for (const line of suite.verdict(result)) console.log(line);
}
writeResultsMarkdown();
console.log('\nwrote bench/results/*.json and bench/RESULTS.md');
