// Suite `cluster`: K worker processes on a no-op objective against one redis-server, for a fixed time window
// (opened once every worker has finished its first trial): trials per second in total and per worker.
// swarmtune: K processes of the Worker loop on the Redis store. Optuna: K processes on JournalRedisStorage, and on
// RDBStorage (SQLite) for K = 4.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStudy } from '@swarmtune/core';
import { openRedisStore } from '@swarmtune/redis-store';
import { intFlag, listFlag } from '../lib/args.mjs';
import { nniSpace } from '../lib/functions.mjs';
import { fmt, ratio } from '../lib/format.mjs';
import { runOptuna, spawnOptuna } from '../lib/optuna.mjs';
import { allReady, spawnNode, stopAll } from '../lib/processes.mjs';
import { BENCH_DIR } from '../lib/results.mjs';
import { startRedisServer } from '../lib/redis-server.mjs';

const DIMS = Array.from({ length: 4 }, (_, i) => ({ name: `x${i}`, type: 'float', low: -5, high: 5 }));
const WORKER_SCRIPT = join(BENCH_DIR, 'workers', 'swarmtune-worker.mjs');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts the processes, waits for all to be ready, keeps the window open `seconds`, stops them. */
async function windowed(procs, seconds) {
  try {
    await allReady(procs, 120_000);
    const from = Date.now();
    await sleep(seconds * 1000);
    const to = Date.now();
    return { from, to };
  } finally {
    await stopAll(procs);
  }
}

function rate(completeTimes, { from, to }, k) {
  const n = completeTimes.filter((t) => t !== null && t >= from && t <= to).length;
  const perSecond = n / ((to - from) / 1000);
  return { trials: n, seconds: (to - from) / 1000, perSecond, perWorker: perSecond / k };
}

async function swarmtuneCluster(url, k, seconds, sampler) {
  const prefix = `benchcluster${Date.now()}`;
  const store = await openRedisStore(url, { prefix });
  try {
    const study = await createStudy({ store, name: `cluster-k${k}`, searchSpace: nniSpace(DIMS), sampler });
    const procs = Array.from({ length: k }, () => spawnNode(WORKER_SCRIPT, { url, prefix, study: study.name }));
    const window = await windowed(procs, seconds);
    const trials = await store.getTrials(study.name);
    return { ...rate(trials.map((t) => (t.state === 'COMPLETE' ? t.finishedAt : null)), window, k), total: trials.length };
  } finally {
    await store.close();
  }
}

async function optunaCluster(storage, k, seconds, sampler) {
  const studyName = `cluster-k${k}-${Date.now()}`;
  await runOptuna('create', { studyName, storage });
  const config = { sampler: sampler.name };
  const procs = Array.from({ length: k }, (_, i) => spawnOptuna('worker', { studyName, storage, dims: DIMS, config, seed: i }));
  const window = await windowed(procs, seconds);
  const { trials } = await runOptuna('trials', { studyName, storage });
  return { ...rate(trials.map((t) => (t.state === 'COMPLETE' ? t.completeAt : null)), window, k), total: trials.length };
}

export async function runCluster(flags) {
  const ks = listFlag(flags, 'ks', ['1', '2', '4', '8']).map(Number);
  const seconds = intFlag(flags, 'seconds', 20);
  const samplerName = flags.sampler ?? 'tpe';
  if (!['tpe', 'random'].includes(samplerName)) throw new Error(`--sampler: tpe or random, got ${samplerName}`);
  const sampler = { name: samplerName };
  const redis = await startRedisServer();
  const sqliteDir = mkdtempSync(join(tmpdir(), 'swarmtune-bench-sqlite-'));
  const rows = [];
  try {
    for (const k of ks) {
      const ours = await swarmtuneCluster(redis.url, k, seconds, sampler);
      const journal = await optunaCluster(`journal-redis:${redis.url}`, k, seconds, sampler);
      const row = { k, swarmtune: ours, optunaJournalRedis: journal };
      if (k === 4) row.optunaSqlite = await optunaCluster(`sqlite:${join(sqliteDir, 'optuna.db')}`, k, seconds, sampler);
      rows.push(row);
      console.log(
        `K=${k}: trials/s swarmtune ${fmt(ours.perSecond)}  optuna journal-redis ${fmt(journal.perSecond)}${row.optunaSqlite ? `  optuna sqlite ${fmt(row.optunaSqlite.perSecond)}` : ''}`,
      );
    }
  } finally {
    await redis.stop();
    rmSync(sqliteDir, { recursive: true, force: true });
  }
  return { suite: 'cluster', ks, seconds, sampler: samplerName, rows };
}

export function clusterTable(result) {
  const header = ['K', 'swarmtune trials/s', 'per worker', 'optuna JournalRedis trials/s', 'per worker', 'ratio', 'optuna SQLite trials/s', 'ratio vs SQLite'];
  const rows = result.rows.map((r) => [
    String(r.k),
    fmt(r.swarmtune.perSecond),
    fmt(r.swarmtune.perWorker),
    fmt(r.optunaJournalRedis.perSecond),
    fmt(r.optunaJournalRedis.perWorker),
    ratio(r.swarmtune.perSecond, r.optunaJournalRedis.perSecond),
    r.optunaSqlite ? fmt(r.optunaSqlite.perSecond) : '-',
    r.optunaSqlite ? ratio(r.swarmtune.perSecond, r.optunaSqlite.perSecond) : '-',
  ]);
  return { header, rows };
}

export function clusterVerdict(result) {
  const lines = [`sampler ${result.sampler} on both sides, ${result.seconds} s window per run, no-op objective`];
  for (const k of [4, 8]) {
    const r = result.rows.find((x) => x.k === k);
    if (!r) {
      lines.push(`K=${k}: not measured`);
      continue;
    }
    const q = r.swarmtune.perSecond / r.optunaJournalRedis.perSecond;
    lines.push(`K=${k}: ${fmt(q)}x Optuna JournalRedisStorage trials per second (target >= 5x: ${q >= 5 ? 'met' : 'MISSED'})`);
  }
  return lines;
}
