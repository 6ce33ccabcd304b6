import type { Store, Trial } from '@swarmtune/core';
import { openRedisStore } from '@swarmtune/redis-store';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../../test/redis-harness.js';
import { spec, worker } from './fixtures.js';

// Heartbeats add an entry to the study's change stream each; the writers trim it, and readChanges must stay right
// for readers whose cursor points into the trimmed part.
let server: RedisServerHandle;
let store: Store;
let raw: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  store = await openRedisStore(server.url, { prefix: 'trim', changeStreamMinLength: 10 });
  raw = new Redis(server.url);
});
afterAll(async () => {
  raw?.disconnect();
  await store?.close();
  await server?.stop();
});

function claimed(outcome: Awaited<ReturnType<Store['claimParams']>>): Trial {
  if (outcome.kind !== 'claimed') throw new Error(`expected claimed, got ${outcome.kind}`);
  return outcome.trial;
}

describe('change stream trimming', () => {
  it('keeps the stream short under heartbeats and gives lagging readers the whole study', async () => {
    await store.createStudy(spec('s'), 0);
    const a = claimed(await store.claimParams('s', { x: 1 }, 'x=1', worker('w'), 1));
    const lagging = await store.readChanges('s', null);
    // The only trace of this claim in the stream is the entry right after the lagging reader's cursor.
    const b = claimed(await store.claimParams('s', { x: 2 }, 'x=2', worker('w'), 2));

    const beats = 400;
    for (let i = 0; i < beats; i++) await store.heartbeat('s', [a.id], 10 + i);
    const length = await raw.xlen('trim:changes:s');
    // Approximate trimming removes whole stream nodes (100 entries by default): well below one entry per write.
    expect(length).toBeLessThan(beats / 2);

    // The lagging reader's next entries were trimmed: it gets every trial, each in its latest version.
    const caughtUp = await store.readChanges('s', lagging.cursor);
    expect(caughtUp.trials.map((t) => t.id)).toEqual([a.id, b.id]);
    expect(caughtUp.trials[0]).toMatchObject({ state: 'RUNNING', heartbeatAt: 10 + beats - 1 });
    expect((await store.readChanges('s', caughtUp.cursor)).trials).toEqual([]);

    // A reader inside the kept part still gets only what changed, and then nothing.
    const recent = await store.readChanges('s', null);
    await store.finishTrial('s', b.id, { state: 'COMPLETE', values: [1] }, 1000);
    const incremental = await store.readChanges('s', recent.cursor);
    expect(incremental.trials.map((t) => t.number)).toEqual([1]);
    expect(incremental.trials[0]).toMatchObject({ state: 'COMPLETE', values: [1] });
    expect((await store.readChanges('s', incremental.cursor)).trials).toEqual([]);
  });

  it('refuses a change stream length below 1', async () => {
    await expect(openRedisStore(server.url, { changeStreamMinLength: 0 })).rejects.toThrow(/changeStreamMinLength/);
  });
});
