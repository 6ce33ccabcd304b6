// Issue 3 acceptance: many worker processes share one study on real redis-server processes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisStore } from '@swarmtune/redis-store';
import type { Store, Trial } from '@swarmtune/core';
import { runCli } from './helpers/cli.js';
import { clusterDir, describeExit, startWorker } from './helpers/cluster.js';
import { startRedisServer, type RedisServer } from './redis-harness.js';

let a: RedisServer;
let b: RedisServer;

beforeAll(async () => {
  [a, b] = await Promise.all([startRedisServer(), startRedisServer()]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

async function trialsOf(url: string, study: string): Promise<{ trials: Trial[]; state: string | undefined }> {
  const store: Store = await openRedisStore(url);
  try {
    return { trials: await store.getTrials(study), state: (await store.getStudy(study))?.state };
  } finally {
    await store.close();
  }
}

async function runEightWorkers(storeFor: (i: number) => string, study: string) {
  const cluster = clusterDir({ name: study, maxTrials: 125, workMs: 10 });
  const created = await runCli(['study', 'create', cluster.experiment, '--store', storeFor(0)]);
  expect(created.code, created.stderr).toBe(0);
  const workers = Array.from({ length: 8 }, (_, i) => startWorker(storeFor(i), study, `host-${i % 4}`, cluster.dir));
  const results = await Promise.all(workers.map((w) => w.result));
  for (const r of results) expect(r.code, describeExit(r)).toBe(0);
  return cluster;
}

function assertEveryConfigurationOnce(cluster: ReturnType<typeof clusterDir>, trials: Trial[], state: string | undefined) {
  const runs = cluster.runs();
  const runKeys = runs.map((r) => r.key);
  expect(new Set(runKeys).size, 'configurations run more than once').toBe(runKeys.length);
  expect(runKeys).toHaveLength(125);
  const evaluated = trials.filter((t) => t.state === 'COMPLETE' && t.reusedFrom === undefined);
  expect(evaluated).toHaveLength(125);
  expect(new Set(evaluated.map((t) => t.paramKey)).size).toBe(125);
  expect(new Set(trials.map((t) => t.number)).size).toBe(trials.length);
  expect(trials.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toEqual([]);
  expect(state).toBe('DONE');
}

describe('8 worker processes, 125 configurations, TPE + constant liar, maxTrials 125', () => {
  it('on one redis-server: every configuration evaluated exactly once', async () => {
    const study = 'discrete-single';
    const cluster = await runEightWorkers(() => a.url, study);
    const { trials, state } = await trialsOf(a.url, study);
    assertEveryConfigurationOnce(cluster, trials, state);
  });

  it('on keydb://a,b over two independent redis-servers (no replication at all), workers split between them', async () => {
    const study = 'discrete-multi';
    const ab = `keydb://127.0.0.1:${a.port},127.0.0.1:${b.port}`;
    const ba = `keydb://127.0.0.1:${b.port},127.0.0.1:${a.port}`;
    const cluster = await runEightWorkers((i) => (i % 2 ? ba : ab), study);
    const { trials, state } = await trialsOf(ab, study);
    assertEveryConfigurationOnce(cluster, trials, state);
    // reports read the union from either side
    const other = await trialsOf(ba, study);
    expect(other.trials.length).toBe(trials.length);
  });
});
