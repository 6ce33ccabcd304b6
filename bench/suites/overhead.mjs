// Suite `overhead`: median ms per ask with n finished trials in the study (10 floats + one categorical), TPE
// univariate and multivariate; memory store vs Optuna's InMemoryStorage, Redis store vs Optuna's JournalRedisStorage.
// swarmtune runs TPE with Optuna's defaults (preset optuna, plus multivariate) so that both sides do the same work.
import { createRng, createStudy, MemoryStore, paramKey } from '@swarmtune/core';
import { openRedisStore } from '@swarmtune/redis-store';
import { intFlag, listFlag } from '../lib/args.mjs';
import { nniSpace, randomPoint } from '../lib/functions.mjs';
import { fmt, ratio } from '../lib/format.mjs';
import { runOptuna } from '../lib/optuna.mjs';
import { startRedisServer } from '../lib/redis-server.mjs';
import { median } from '../lib/stats.mjs';

const DIMS = [
  ...Array.from({ length: 10 }, (_, i) => ({ name: `x${i}`, type: 'float', low: -5, high: 5 })),
  { name: 'c', type: 'cat', choices: ['a', 'b', 'c', 'd'] },
];

/** Asks after each fill that are not timed, on both sides: the first one after a fill also reads the filled trials. */
export const WARMUP_ASKS = 2;

const WORKER = { host: 'bench', workerId: 'bench-fill', pid: process.pid };

async function swarmtuneOverhead(store, name, multivariate, ns, asks) {
  const study = await createStudy({ store, name, searchSpace: nniSpace(DIMS), sampler: { name: 'tpe', options: { preset: 'optuna', multivariate } }, seed: 1 });
  const client = study.client;
  const rng = createRng(1);
  const rand = () => rng.next();
  let have = 0;
  const results = [];
  for (const n of ns) {
    const t0 = performance.now();
    while (have < n) {
      const batch = [];
      for (; have < n && batch.length < 64; have++) {
        const params = randomPoint(DIMS, rand);
        batch.push(
          store.claimParams(name, params, paramKey(client.space, params), WORKER, Date.now()).then((o) => {
            if (o.kind !== 'claimed') throw new Error(`fill: claim gave ${o.kind}`);
            return store.finishTrial(name, o.trial.id, { state: 'COMPLETE', values: [rand()] }, Date.now());
          }),
        );
      }
      await Promise.all(batch);
    }
    const fillSeconds = (performance.now() - t0) / 1000;
    const askMs = [];
    const tellMs = [];
    for (let i = 0; i < asks + WARMUP_ASKS; i++) {
      const a = performance.now();
      const handle = await study.ask();
      const b = performance.now();
      await study.tell(handle, rand());
      const c = performance.now();
      if (i >= WARMUP_ASKS) {
        askMs.push(b - a);
        tellMs.push(c - b);
      }
      have++;
    }
    results.push({ n, askMs, tellMs, fillSeconds });
  }
  return results;
}

export async function runOverhead(flags) {
  const ns = listFlag(flags, 'ns', ['100', '500', '1000', '2000']).map(Number);
  const asks = intFlag(flags, 'asks', 15);
  const stores = listFlag(flags, 'stores', ['memory', 'redis']);
  const redis = stores.includes('redis') ? await startRedisServer() : null;
  const rows = [];
  try {
    for (const storeKind of stores) {
      for (const multivariate of [false, true]) {
        const label = `${storeKind} ${multivariate ? 'multivariate' : 'univariate'}`;
        const name = `overhead-${multivariate ? 'mv' : 'uv'}`;
        const optunaStorage = storeKind === 'redis' ? `journal-redis:${redis.url}` : 'memory';
        // Sequential on purpose: each side gets the cores it can, and neither measures while the other fills.
        const theirs = await runOptuna('overhead', { dims: DIMS, ns, asks, warmup: WARMUP_ASKS, config: { sampler: 'tpe', multivariate }, storage: optunaStorage, studyName: name });
        const store = storeKind === 'redis' ? await openRedisStore(redis.url, { prefix: `bench${Date.now()}` }) : new MemoryStore();
        let ours;
        try {
          ours = await swarmtuneOverhead(store, name, multivariate, ns, asks);
        } finally {
          await store.close();
        }
        for (let i = 0; i < ns.length; i++) {
          const row = {
            store: storeKind,
            multivariate,
            n: ns[i],
            swarmtune: { askP50: median(ours[i].askMs), tellP50: median(ours[i].tellMs), askMs: ours[i].askMs },
            optuna: { askP50: median(theirs.results[i].askMs), tellP50: median(theirs.results[i].tellMs), askMs: theirs.results[i].askMs },
          };
          rows.push(row);
          console.log(`${label.padEnd(24)} n=${String(ns[i]).padEnd(5)} ask p50: swarmtune ${fmt(row.swarmtune.askP50)} ms  optuna ${fmt(row.optuna.askP50)} ms`);
        }
      }
    }
  } finally {
    await redis?.stop();
  }
  return { suite: 'overhead', ns, asks, stores, rows };
}

export function overheadTable(result) {
  const header = ['store (swarmtune vs optuna)', 'TPE', 'n trials', 'swarmtune ask p50 ms', 'optuna ask p50 ms', 'ratio', 'swarmtune tell p50 ms', 'optuna tell p50 ms'];
  const rows = result.rows.map((r) => [
    r.store === 'redis' ? 'redis vs JournalRedisStorage' : 'memory vs InMemoryStorage',
    r.multivariate ? 'multivariate' : 'univariate',
    String(r.n),
    fmt(r.swarmtune.askP50),
    fmt(r.optuna.askP50),
    ratio(r.swarmtune.askP50, r.optuna.askP50),
    fmt(r.swarmtune.tellP50),
    fmt(r.optuna.tellP50),
  ]);
  return { header, rows };
}

export function overheadVerdict(result) {
  const r = result.rows.find((x) => x.store === 'memory' && !x.multivariate && x.n === 1000);
  if (!r) return ['target (ask p50 at 1,000 trials, univariate, memory <= 1/3 of Optuna): not measured (needs --ns with 1000 and the memory store)'];
  const q = r.swarmtune.askP50 / r.optuna.askP50;
  return [`ask p50 at 1,000 trials, univariate TPE, memory store: ${fmt(r.swarmtune.askP50)} ms vs Optuna ${fmt(r.optuna.askP50)} ms = ${fmt(q)}x (target <= 0.333x: ${q <= 1 / 3 ? 'met' : 'MISSED'})`];
}
