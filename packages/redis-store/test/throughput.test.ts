import type { Store } from '@swarmtune/core';
import { openRedisStore } from '@swarmtune/redis-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../../test/redis-harness.js';
import { spec, worker } from './fixtures.js';

// Claim + finish pairs from one process, one after the other: the latency-bound rate of one worker slot.
const PAIRS = Number(process.env.SWARMTUNE_BENCH_PAIRS ?? 2000);

let a: RedisServerHandle;
let b: RedisServerHandle;
beforeAll(async () => {
  [a, b] = await Promise.all([startRedisServer(), startRedisServer()]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

async function pairsPerSecond(store: Store, study: string): Promise<number> {
  await store.createStudy(spec(study), 0);
  const w = worker('bench');
  const start = performance.now();
  for (let i = 0; i < PAIRS; i++) {
    const outcome = await store.claimParams(study, { i }, `i=${i}`, w, i);
    if (outcome.kind !== 'claimed') throw new Error(`claim ${i}: ${outcome.kind}`);
    await store.finishTrial(study, outcome.trial.id, { state: 'COMPLETE', values: [i] }, i);
  }
  const seconds = (performance.now() - start) / 1000;
  expect((await store.getTrials(study)).filter((t) => t.state === 'COMPLETE')).toHaveLength(PAIRS);
  return PAIRS / seconds;
}

describe('throughput', () => {
  it.each([
    ['redis', () => a.url],
    ['keydb://a,b', () => `keydb://127.0.0.1:${a.port},127.0.0.1:${b.port}?prefix=bench2`],
  ])('claim+finish pairs on %s', async (mode, url) => {
    const store = await openRedisStore(url());
    try {
      const rate = await pairsPerSecond(store, 'bench');
      console.log(`[throughput] ${mode}: ${PAIRS} claim+finish pairs, ${rate.toFixed(0)} pairs/s`);
      expect(rate).toBeGreaterThan(50);
    } finally {
      await store.close();
    }
  });
});
