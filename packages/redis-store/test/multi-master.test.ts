import type { ClaimOutcome, Store, Trial } from '@swarmtune/core';
import { openRedisStore } from '@swarmtune/redis-store';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../../test/redis-harness.js';
import { spec, worker } from './fixtures.js';

// Two independent redis-servers stand in for two KeyDB masters whose replication is down: the worst case.
let a: RedisServerHandle;
let b: RedisServerHandle;
let stores: Store[] = [];

beforeAll(async () => {
  [a, b] = await Promise.all([startRedisServer(), startRedisServer()]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});
afterEach(async () => {
  await Promise.all(stores.map((s) => s.close()));
  stores = [];
});

/** 8 stores, as 8 workers: 4 list the masters as a,b and 4 as b,a. */
async function openWorkers(prefix: string): Promise<Store[]> {
  const ab = `keydb://127.0.0.1:${a.port},127.0.0.1:${b.port}?prefix=${prefix}`;
  const ba = `keydb://127.0.0.1:${b.port},127.0.0.1:${a.port}?prefix=${prefix}`;
  stores = await Promise.all(
    Array.from({ length: 8 }, (_, i) => openRedisStore(i % 2 === 0 ? ab : ba, { operationTimeoutMs: 10_000 })),
  );
  return stores;
}

const KEYS = Array.from({ length: 125 }, (_, i) => `k${i}`);

/** Each worker claims every key once, in its own order. */
async function claimAll(
  workers: Store[],
  study: string,
  during?: (done: number) => Promise<void>,
): Promise<ClaimOutcome[]> {
  const outcomes: ClaimOutcome[] = [];
  let done = 0;
  await Promise.all(
    workers.map(async (store, w) => {
      const order = KEYS.map((_, i) => KEYS[(i * (w * 2 + 1) + w * 17) % KEYS.length]!);
      for (const key of order) {
        outcomes.push(await store.claimParams(study, { key }, key, worker(`w${w}`), Date.now()));
        done++;
        if (during) await during(done);
      }
    }),
  );
  return outcomes;
}

function rawTrials(server: RedisServerHandle, prefix: string, study: string): Promise<Record<string, string>> {
  const raw = new Redis(server.port, '127.0.0.1');
  return raw.hgetall(`${prefix}:trials:${study}`).finally(() => raw.disconnect());
}

function expectUniqueNumbers(trials: Trial[]): void {
  const numbers = trials.map((t) => t.number).sort((x, y) => x - y);
  expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i));
}

describe('keydb://a,b over two masters that do not replicate', () => {
  it('claims each of 125 keys exactly once across 8 workers, with unique trial numbers', async () => {
    const workers = await openWorkers('race');
    await workers[0]!.createStudy(spec('race'), 1);
    const outcomes = await claimAll(workers, 'race');
    const claimed = outcomes.filter((o) => o.kind === 'claimed');
    expect(claimed).toHaveLength(125);
    expect(new Set(claimed.map((o) => (o.kind === 'claimed' ? o.trial.paramKey : ''))).size).toBe(125);
    expect(outcomes.filter((o) => o.kind === 'duplicate_running')).toHaveLength(8 * 125 - 125);
    const trials = await workers[3]!.getTrials('race');
    expect(trials).toHaveLength(8 * 125);
    expectUniqueNumbers(trials);
    // Both masters hold everything: neither is needed to read the other's claims.
    expect(Object.keys(await rawTrials(a, 'race', 'race'))).toHaveLength(1000);
    expect(Object.keys(await rawTrials(b, 'race', 'race'))).toHaveLength(1000);
  });

  it('never exceeds maxTrials', async () => {
    const workers = await openWorkers('budget');
    await workers[0]!.createStudy(spec('budget', 60), 1);
    const outcomes = await claimAll(workers, 'budget');
    expect(outcomes.filter((o) => o.kind === 'claimed')).toHaveLength(60);
    expect(outcomes.filter((o) => o.kind === 'budget_exhausted').length).toBeGreaterThan(0);
    const trials = await workers[5]!.getTrials('budget');
    expect(trials.filter((t) => t.state === 'RUNNING')).toHaveLength(60);
    expectUniqueNumbers(trials);
  });

  it('goes on with one master down and brings it back up to date after a restart', async () => {
    const workers = await openWorkers('failover');
    await workers[0]!.createStudy(spec('failover'), 1);
    let claimsBeforeKill = -1;
    const outcomes = await claimAll(workers, 'failover', async (done) => {
      if (claimsBeforeKill < 0 && done >= 300) {
        claimsBeforeKill = done;
        await b.kill();
      }
    });
    // b stays down until all claims are made: at least 600 of them went to a alone.
    expect(claimsBeforeKill).toBeGreaterThan(0);
    expect(outcomes.length - claimsBeforeKill).toBeGreaterThanOrEqual(600);
    expect(outcomes.filter((o) => o.kind === 'claimed')).toHaveLength(125);
    await b.restart(); // comes back empty: no persistence
    // Nobody writes: the workers see b answer again and repair it on their own.
    const deadline = Date.now() + 10_000;
    while (Object.keys(await rawTrials(b, 'failover', 'failover')).length < 1000) {
      if (Date.now() > deadline) throw new Error('b was not repaired');
      await new Promise((r) => setTimeout(r, 20));
    }
    const onB = Object.values(await rawTrials(b, 'failover', 'failover')).map((j) => JSON.parse(j) as Trial);
    expectUniqueNumbers(onB);
    const all = await workers[2]!.getTrials('failover');
    expectUniqueNumbers(all);
    expect(all.filter((t) => t.state === 'RUNNING')).toHaveLength(125);
  });

  it('opens with one master away, works on the other, and fills the late one when it comes up', async () => {
    await b.kill();
    const warnings: string[] = [];
    const logger = { warn: (_obj: object, msg: string) => void warnings.push(msg) };
    try {
      const store = await openRedisStore(`keydb://127.0.0.1:${a.port},127.0.0.1:${b.port}?prefix=late`, { logger });
      stores = [store];
      expect(warnings.some((w) => w.includes('away at open'))).toBe(true);
      await store.createStudy(spec('late'), 1);
      const claim = await store.claimParams('late', { x: 1 }, 'x=1', worker('w'), 2);
      expect(claim.kind).toBe('claimed');
      await b.restart();
      const deadline = Date.now() + 10_000;
      while (Object.keys(await rawTrials(b, 'late', 'late')).length < 1) {
        if (Date.now() > deadline) throw new Error('b never received the study');
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(warnings.some((w) => w.includes('repaired'))).toBe(true);
    } finally {
      await b.restart().catch(() => undefined);
    }
  });
});
