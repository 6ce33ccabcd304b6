// Suite `duplicates`: K = 4 and 8 workers on a 125-point discrete space (3 ints of 5 values), 125 trials; how many
// configurations ran more than once. swarmtune: `swarmtune worker start` processes on the Redis store running a
// shell command objective; Optuna: K processes running the same command, on JournalRedisStorage, and on SQLite for
// K = 4.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRedisStore } from '@swarmtune/redis-store';
import { intFlag, listFlag } from '../lib/args.mjs';
import { runOptuna, spawnOptuna } from '../lib/optuna.mjs';
import { exited, spawnCommand, stopAll } from '../lib/processes.mjs';
import { BENCH_DIR } from '../lib/results.mjs';
import { startRedisServer } from '../lib/redis-server.mjs';

const DIMS = ['a', 'b', 'c'].map((name) => ({ name, type: 'int', low: 0, high: 4 }));
const SPACE = Object.fromEntries(DIMS.map((d) => [d.name, { _type: 'randint', _value: [0, 5] }]));
// A leading 1 keeps the value valid JSON ("1012", not "012").
const COMMAND = `sleep 0.02; echo '{"value": 1{{a}}{{b}}{{c}}}'`;
const CLI = join(BENCH_DIR, '..', 'packages', 'cli', 'dist', 'bin.js');

/** Waits for every process to exit by itself; kills them all after `timeoutMs`. */
async function untilExit(procs, timeoutMs) {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stopAll(procs, 5000);
  }, timeoutMs);
  await Promise.all(procs.map(exited));
  clearTimeout(timer);
  const failed = procs.filter((p) => p.exitCode !== 0);
  if (timedOut) throw new Error(`workers did not finish within ${timeoutMs} ms`);
  if (failed.length > 0) throw new Error(`a worker exited with ${failed[0].exitCode}: ${failed[0].stderrTail()}`);
}

function duplicateStats(ran, extra) {
  const counts = new Map();
  for (const key of ran) counts.set(key, (counts.get(key) ?? 0) + 1);
  const twice = [...counts.values()].filter((c) => c > 1);
  return { trialsRun: ran.length, distinct: counts.size, configsRunTwiceOrMore: twice.length, extraRuns: twice.reduce((a, c) => a + c - 1, 0), ...extra };
}

async function swarmtuneDuplicates(url, k, trials, timeoutMs, logDir) {
  const prefix = `benchdup${Date.now()}`;
  const store = await openRedisStore(url, { prefix });
  const name = `duplicates-k${k}`;
  try {
    await store.createStudy(
      {
        name,
        objectives: [{ name: 'value', direction: 'minimize' }],
        searchSpace: SPACE,
        sampler: { name: 'tpe' },
        limits: { maxTrials: trials },
        objective: { type: 'command', command: COMMAND },
      },
      Date.now(),
    );
    const started = Date.now();
    const procs = Array.from({ length: k }, () =>
      spawnCommand(process.execPath, [CLI, 'worker', 'start', '--store', `${url}?prefix=${prefix}`, '--study', name], {
        SWARMTUNE_LOG_LEVEL: 'warn',
        SWARMTUNE_LOG_DIR: logDir,
      }),
    );
    await untilExit(procs, timeoutMs);
    const all = await store.getTrials(name);
    // Reused trials (a COMPLETE twin's values copied) and FAIL(duplicate_running) ran nothing.
    const ran = all.filter((t) => t.reusedFrom === undefined && t.failReason !== 'duplicate_running' && t.state !== 'WAITING');
    return duplicateStats(
      ran.map((t) => t.paramKey),
      {
        reused: all.filter((t) => t.reusedFrom !== undefined).length,
        duplicateRunningRecords: all.filter((t) => t.failReason === 'duplicate_running').length,
        seconds: (Date.now() - started) / 1000,
        study: (await store.getStudy(name))?.state,
      },
    );
  } finally {
    await store.close();
  }
}

async function optunaDuplicates(storage, k, trials, timeoutMs) {
  const studyName = `duplicates-k${k}-${Date.now()}`;
  await runOptuna('create', { studyName, storage });
  const started = Date.now();
  const procs = Array.from({ length: k }, (_, i) =>
    spawnOptuna('worker', { studyName, storage, dims: DIMS, config: { sampler: 'tpe' }, seed: i, maxTrials: trials, shell: COMMAND }),
  );
  await untilExit(procs, timeoutMs);
  const { trials: all } = await runOptuna('trials', { studyName, storage });
  const ran = all.filter((t) => t.state === 'COMPLETE' || t.state === 'FAIL');
  return duplicateStats(
    ran.map((t) => JSON.stringify(DIMS.map((d) => t.params[d.name]))),
    { seconds: (Date.now() - started) / 1000 },
  );
}

export async function runDuplicates(flags) {
  const ks = listFlag(flags, 'ks', ['4', '8']).map(Number);
  const trials = intFlag(flags, 'trials', 125);
  const timeoutMs = intFlag(flags, 'timeout-seconds', 300) * 1000;
  const redis = await startRedisServer();
  const tmp = mkdtempSync(join(tmpdir(), 'swarmtune-bench-dup-'));
  const rows = [];
  try {
    for (const k of ks) {
      const ours = await swarmtuneDuplicates(redis.url, k, trials, timeoutMs, join(tmp, 'logs'));
      const journal = await optunaDuplicates(`journal-redis:${redis.url}`, k, trials, timeoutMs);
      const row = { k, swarmtune: ours, optunaJournalRedis: journal };
      if (k === 4) row.optunaSqlite = await optunaDuplicates(`sqlite:${join(tmp, 'optuna.db')}`, k, trials, timeoutMs);
      rows.push(row);
      console.log(
        `K=${k}: configurations run more than once: swarmtune ${ours.configsRunTwiceOrMore}  optuna journal-redis ${journal.configsRunTwiceOrMore}${row.optunaSqlite ? `  optuna sqlite ${row.optunaSqlite.configsRunTwiceOrMore}` : ''}`,
      );
    }
  } finally {
    await redis.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  return { suite: 'duplicates', ks, trials, command: COMMAND, rows };
}

export function duplicatesTable(result) {
  const header = ['K', 'store', 'trials run', 'distinct configs', 'configs run > once', 'extra runs', 'reused (not run)', 'seconds'];
  const rows = [];
  for (const r of result.rows) {
    const line = (label, s) => [String(r.k), label, String(s.trialsRun), String(s.distinct), String(s.configsRunTwiceOrMore), String(s.extraRuns), s.reused === undefined ? '-' : String(s.reused), s.seconds.toFixed(1)];
    rows.push(line('swarmtune (redis)', r.swarmtune));
    rows.push(line('optuna JournalRedisStorage', r.optunaJournalRedis));
    if (r.optunaSqlite) rows.push(line('optuna RDB SQLite', r.optunaSqlite));
  }
  return { header, rows };
}

export function duplicatesVerdict(result) {
  return result.rows.map((r) => {
    const n = r.swarmtune.configsRunTwiceOrMore;
    return `K=${r.k}: swarmtune ran ${n} configuration(s) more than once (target 0: ${n === 0 ? 'met' : 'MISSED'}); Optuna JournalRedisStorage ${r.optunaJournalRedis.configsRunTwiceOrMore}`;
  });
}
