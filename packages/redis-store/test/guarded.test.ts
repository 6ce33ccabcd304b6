import { countsTowardBudget, type Store, type Trial, type TrialResult } from '@swarmtune/core';
import { openRedisStore } from '@swarmtune/redis-store';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../../test/redis-harness.js';
import { spec, worker } from './fixtures.js';

// On one server a change is committed without the study's seq: only what its decision read is checked, and claims
// and finishes are first tried on what the store already knows (commitChange-7.lua, guarded). Here several stores,
// as several workers, change one study at the same moment, and some of what they presume is wrong.
let server: RedisServerHandle;
let raw: Redis;
let stores: Store[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  raw = new Redis(server.port, '127.0.0.1');
});
afterAll(async () => {
  raw?.disconnect();
  await server?.stop();
});
afterEach(async () => {
  await Promise.all(stores.map((s) => s.close()));
  stores = [];
});

async function openStores(prefix: string, n: number): Promise<Store[]> {
  const opened = await Promise.all(Array.from({ length: n }, () => openRedisStore(server.url, { prefix })));
  stores.push(...opened);
  return opened;
}

function claimed(outcome: Awaited<ReturnType<Store['claimParams']>>): Trial {
  if (outcome.kind !== 'claimed') throw new Error(`expected claimed, got ${outcome.kind}`);
  return outcome.trial;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One worker: claim (a few shared keys, so that reuse and duplicates happen), finish, sometimes interrupted. */
async function work(store: Store, w: number, study: string): Promise<void> {
  let cursor: string | null = null;
  for (let round = 0; round < 5000; round++) {
    cursor = (await store.readChanges(study, cursor)).cursor;
    let trial = round % 3 === 0 ? await store.claimWaiting(study, worker(`w${w}`), Date.now()) : null;
    if (!trial) {
      const key = `k${Math.floor(Math.random() * 300)}`;
      const outcome = await store.claimParams(study, { key }, key, worker(`w${w}`), Date.now());
      if (outcome.kind === 'study_ended') return;
      if (outcome.kind === 'budget_exhausted') {
        trial = await store.claimWaiting(study, worker(`w${w}`), Date.now());
        if (!trial) {
          if ((await store.getStudy(study))?.state === 'DONE') return;
          await sleep(2);
          continue;
        }
      } else if (outcome.kind === 'claimed') {
        trial = outcome.trial;
      } else {
        continue;
      }
    }
    const result: TrialResult =
      Math.random() < 0.15 ? { state: 'FAIL', failReason: 'interrupted' } : { state: 'COMPLETE', values: [trial.number] };
    await store.finishTrial(study, trial.id, result, Date.now());
  }
  throw new Error(`worker ${w} did not see the study end`);
}

describe('guarded changes on one server', () => {
  it('8 workers at once: numbers unique and contiguous, budget exact, counters and index as the trials say', async () => {
    const prefix = 'guard8';
    const workers = await openStores(prefix, 8);
    await workers[0]!.createStudy(spec('s', 150), 0);
    await Promise.all(workers.map((store, w) => work(store, w, 's')));

    expect((await workers[0]!.getStudy('s'))?.state).toBe('DONE');
    const trials = await workers[0]!.getTrials('s');
    expect(trials.map((t) => t.number)).toEqual(trials.map((_, i) => i));
    expect(trials.filter(countsTowardBudget)).toHaveLength(150);
    expect(trials.some((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toBe(false);
    expect(trials.some((t) => t.failReason === 'interrupted')).toBe(true);
    expect(trials.some((t) => t.reusedFrom !== undefined)).toBe(true);

    const byNumber = new Map(trials.map((t) => [t.number, t]));
    const ran = new Map<string, Trial>();
    for (const t of trials) {
      if (t.state !== 'COMPLETE' || t.reusedFrom !== undefined) continue;
      // A configuration is evaluated once: a second COMPLETE of the same key is always a reuse.
      expect(ran.has(t.paramKey!), `key ${t.paramKey} ran twice`).toBe(false);
      ran.set(t.paramKey!, t);
    }
    for (const t of trials) {
      if (t.reusedFrom !== undefined) expect(byNumber.get(t.reusedFrom)).toBe(ran.get(t.paramKey!));
      if (t.duplicateOf !== undefined) expect(byNumber.get(t.duplicateOf)?.paramKey).toBe(t.paramKey);
      if (t.retryOf !== undefined) expect(byNumber.get(t.retryOf)).toMatchObject({ paramKey: t.paramKey, failReason: 'interrupted' });
    }

    const head = await raw.hmget(`${prefix}:study:s`, 'budget', 'next');
    expect(head.map(Number)).toEqual([150, trials.length]);
    expect(await raw.scard(`${prefix}:running:s`)).toBe(0);
    expect(await raw.zcard(`${prefix}:waiting:s`)).toBe(0);
    const index = await raw.hgetall(`${prefix}:pkeys:s`);
    expect(Object.keys(index).filter((f) => !f.startsWith('C:'))).toEqual([]);
    expect(index).toEqual(Object.fromEntries([...ran].map(([key, t]) => [`C:${key}`, t.id])));
  });

  it('claims and finishes decided on what a store presumed go the usual way when it was wrong', async () => {
    const [a, b] = await openStores('presume', 2);
    await a!.createStudy(spec('s', 10), 0);
    await a!.readChanges('s', null);

    // The key is COMPLETE already (a does not know): reused, not run again.
    const first = claimed(await b!.claimParams('s', { x: 1 }, 'x=1', worker('b'), 1));
    await b!.finishTrial('s', first.id, { state: 'COMPLETE', values: [5] }, 2);
    const again = await a!.claimParams('s', { x: 1 }, 'x=1', worker('a'), 3);
    expect(again).toMatchObject({ kind: 'reused', trial: { reusedFrom: first.number, values: [5], number: 1 } });

    // The trial moved on (a heartbeat from elsewhere) since a claimed it: the finish keeps the newer copy's fields.
    const own = claimed(await a!.claimParams('s', { x: 2 }, 'x=2', worker('a'), 4));
    await b!.heartbeat('s', [own.id], 50);
    const finished = await a!.finishTrial('s', own.id, { state: 'COMPLETE', values: [1] }, 60);
    expect(finished).toMatchObject({ state: 'COMPLETE', heartbeatAt: 50, rev: own.rev + 2 });

    // The study was stopped (a saw it RUNNING): no new trial.
    await b!.stopStudy('s', { now: false }, 70);
    expect(await a!.claimParams('s', { x: 3 }, 'x=3', worker('a'), 80)).toEqual({ kind: 'study_ended', state: 'STOPPED' });
    expect((await a!.getTrials('s')).map((t) => t.number)).toEqual([0, 1, 2]);
  });

  it('does not end a study DONE on presumed counters while a trial is WAITING', async () => {
    const [a, b] = await openStores('settle0', 2);
    await a!.createStudy(spec('s', 0), 0);
    await a!.readChanges('s', null);
    const enqueued = await b!.enqueueTrial('s', { x: 1 }, 'x=1', 1);
    // a presumes nothing is in flight: with maxTrials 0 that would end the study.
    expect(await a!.claimParams('s', { x: 2 }, 'x=2', worker('a'), 2)).toEqual({ kind: 'budget_exhausted' });
    expect((await a!.getStudy('s'))?.state).toBe('PENDING');
    const started = await a!.claimWaiting('s', worker('a'), 3);
    expect(started?.id).toBe(enqueued.id);
    await a!.finishTrial('s', enqueued.id, { state: 'COMPLETE', values: [1] }, 4);
    expect((await a!.getStudy('s'))?.state).toBe('DONE');
  });

  it('the last two trials finishing at the same moment end the study DONE', async () => {
    const [a, b] = await openStores('settle', 2);
    for (let i = 0; i < 20; i++) {
      const study = `s${i}`;
      await a!.createStudy(spec(study, 2), 0);
      const x = claimed(await a!.claimParams(study, { i: 0 }, 'i=0', worker('a'), 1));
      const y = claimed(await b!.claimParams(study, { i: 1 }, 'i=1', worker('b'), 1));
      await Promise.all([
        a!.finishTrial(study, x.id, { state: 'COMPLETE', values: [0] }, 2),
        b!.finishTrial(study, y.id, { state: 'COMPLETE', values: [1] }, 2),
      ]);
      expect((await a!.getStudy(study))?.state).toBe('DONE');
      expect(await a!.claimParams(study, { i: 2 }, 'i=2', worker('a'), 3)).toEqual({ kind: 'study_ended', state: 'DONE' });
    }
  });
});
