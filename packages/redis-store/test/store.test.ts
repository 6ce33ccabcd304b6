import type { Store } from '@swarmtune/core';
import { openRedisStore } from '@swarmtune/redis-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../../test/redis-harness.js';
import { eventually, spec, worker } from './fixtures.js';

let a: RedisServerHandle;
let b: RedisServerHandle;

beforeAll(async () => {
  [a, b] = await Promise.all([startRedisServer(), startRedisServer()]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

const modes: [string, () => string][] = [
  ['redis', () => `${a.url}?prefix=single`],
  ['keydb://a,b', () => `keydb://127.0.0.1:${a.port},127.0.0.1:${b.port}?prefix=multi`],
];

describe.each(modes)('store on %s', (_mode, url) => {
  let store: Store;
  beforeAll(async () => {
    store = await openRedisStore(url());
  });
  afterAll(async () => {
    await store?.close();
  });

  it('claims, dedupes, reuses and finishes', async () => {
    const { created } = await store.createStudy(spec('s1', 10), 1);
    expect(created).toBe(true);
    expect((await store.createStudy(spec('s1', 10), 2)).created).toBe(false);
    const first = await store.claimParams('s1', { x: 1 }, 'x=1', worker('w1'), 10);
    expect(first.kind).toBe('claimed');
    if (first.kind !== 'claimed') return;
    expect(first.trial.number).toBe(0);
    expect((await store.getStudy('s1'))?.state).toBe('RUNNING');
    const dup = await store.claimParams('s1', { x: 1 }, 'x=1', worker('w2'), 11);
    expect(dup.kind).toBe('duplicate_running');
    const done = await store.finishTrial('s1', first.trial.id, { state: 'COMPLETE', values: [0.5] }, 12);
    expect(done.state).toBe('COMPLETE');
    const again = await store.finishTrial('s1', first.trial.id, { state: 'COMPLETE', values: [0.9] }, 13);
    expect(again.values).toEqual([0.5]);
    const reused = await store.claimParams('s1', { x: 1 }, 'x=1', worker('w2'), 14);
    expect(reused.kind).toBe('reused');
    if (reused.kind === 'reused') expect(reused.trial).toMatchObject({ reusedFrom: 0, values: [0.5], number: 2 });
    const trials = await store.getTrials('s1');
    expect(trials.map((t) => [t.number, t.state])).toEqual([
      [0, 'COMPLETE'],
      [1, 'FAIL'],
      [2, 'COMPLETE'],
    ]);
  });

  it('reads changes incrementally', async () => {
    await store.createStudy(spec('s2'), 1);
    const all = await store.readChanges('s2', null);
    expect(all.trials).toEqual([]);
    const c = await store.claimParams('s2', { x: 1 }, 'x=1', worker('w1'), 10);
    await store.claimParams('s2', { x: 2 }, 'x=2', worker('w1'), 10);
    const batch = await store.readChanges('s2', all.cursor);
    expect(batch.trials.map((t) => t.number)).toEqual([0, 1]);
    if (c.kind !== 'claimed') throw new Error('not claimed');
    await store.heartbeat('s2', [c.trial.id], 20);
    const one = await store.readChanges('s2', batch.cursor);
    expect(one.trials).toHaveLength(1);
    expect(one.trials[0]).toMatchObject({ id: c.trial.id, heartbeatAt: 20, rev: 2 });
    const none = await store.readChanges('s2', one.cursor);
    expect(none.trials).toEqual([]);
  });

  it('re-enqueues stale trials and ends the study when the budget is used', async () => {
    await store.createStudy(spec('s3', 2), 1);
    const c1 = await store.claimParams('s3', { x: 1 }, 'x=1', worker('w1'), 10);
    const c2 = await store.claimParams('s3', { x: 2 }, 'x=2', worker('w2'), 10);
    expect((await store.claimParams('s3', { x: 3 }, 'x=3', worker('w2'), 10)).kind).toBe('budget_exhausted');
    if (c1.kind !== 'claimed' || c2.kind !== 'claimed') throw new Error('not claimed');
    await store.heartbeat('s3', [c2.trial.id], 5000);
    const stale = await store.failStaleTrials('s3', 1000, 5500);
    expect(stale.map((t) => t.id)).toEqual([c1.trial.id]);
    const retry = await store.claimWaiting('s3', worker('w3'), 5600);
    expect(retry).toMatchObject({ retryOf: 0, retryCount: 1, state: 'RUNNING', params: { x: 1 } });
    await store.finishTrial('s3', c2.trial.id, { state: 'COMPLETE', values: [1] }, 6000);
    expect((await store.getStudy('s3'))?.state).toBe('RUNNING');
    await store.finishTrial('s3', retry!.id, { state: 'COMPLETE', values: [2] }, 6001);
    expect((await store.getStudy('s3'))?.state).toBe('DONE');
    expect((await store.claimParams('s3', { x: 9 }, 'x=9', worker('w2'), 7000)).kind).toBe('study_ended');
  });

  it('claims every WAITING trial of a key, oldest first, and sees every RUNNING one', async () => {
    await store.createStudy(spec('s5'), 1);
    const first = await store.enqueueTrial('s5', { x: 1 }, 'x=1', 2);
    const second = await store.enqueueTrial('s5', { x: 1 }, 'x=1', 3);
    const c1 = await store.claimParams('s5', { x: 1 }, 'x=1', worker('w1'), 4);
    const c2 = await store.claimParams('s5', { x: 1 }, 'x=1', worker('w2'), 5);
    expect(c1.kind === 'claimed' && c1.trial.id).toBe(first.id);
    expect(c2.kind === 'claimed' && c2.trial.id).toBe(second.id);
    // Both run now; when the first finishes, the second still makes the key RUNNING.
    await store.finishTrial('s5', first.id, { state: 'FAIL', failReason: 'error' }, 6);
    const dup = await store.claimParams('s5', { x: 1 }, 'x=1', worker('w3'), 7);
    expect(dup.kind === 'duplicate_running' && dup.trial.duplicateOf).toBe(second.number);
  });

  it('delivers stop events and shows STOPPED', async () => {
    await store.createStudy(spec('s4'), 1);
    const events: unknown[] = [];
    const unsubscribe = await store.subscribe('s4', (e) => events.push(e));
    await store.stopStudy('s4', { now: true }, 5);
    await eventually(() => events.length > 0);
    expect(events).toEqual([{ type: 'stop', now: true, study: 's4' }]);
    expect(await store.getStudy('s4')).toMatchObject({ state: 'STOPPED', stopNow: true });
    await unsubscribe();
    expect((await store.listStudies()).map((s) => s.name)).toEqual(['s1', 's2', 's3', 's4', 's5']);
  });
});
