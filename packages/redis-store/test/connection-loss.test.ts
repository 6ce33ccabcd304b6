import { StoreError, type Store } from '@swarmtune/core';
import { openRedisStore } from '@swarmtune/redis-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../../test/redis-harness.js';
import { spec, worker } from './fixtures.js';

let server: RedisServerHandle;
beforeAll(async () => {
  server = await startRedisServer({ persistent: true });
});
afterAll(async () => {
  await server?.stop();
});

describe('connection loss on one redis-server', () => {
  it('a call made while the server is down waits for it and succeeds once it is back', async () => {
    const store = await openRedisStore(server.url, { prefix: 'loss' });
    try {
      await store.createStudy(spec('loss', 10), 1);
      const claim = await store.claimParams('loss', { x: 1 }, 'x=1', worker('w'), 2);
      if (claim.kind !== 'claimed') throw new Error(claim.kind);
      await server.kill();
      const finishing = store.finishTrial('loss', claim.trial.id, { state: 'COMPLETE', values: [3] }, 3);
      await server.restart();
      const finished = await finishing;
      expect(finished).toMatchObject({ state: 'COMPLETE', values: [3] });
      // Delivered again (as a worker does when it never saw the reply): recorded once.
      const again = await store.finishTrial('loss', claim.trial.id, { state: 'COMPLETE', values: [4] }, 4);
      expect(again).toEqual(finished);
      const trials = await store.getTrials('loss');
      expect(trials).toHaveLength(1);
      expect(trials[0]).toMatchObject({ state: 'COMPLETE', values: [3] });
    } finally {
      await store.close();
    }
  });

  it('gives up with a transient StoreError after operationTimeoutMs', async () => {
    const store: Store = await openRedisStore(server.url, { prefix: 'gone', operationTimeoutMs: 400 });
    try {
      await store.createStudy(spec('gone'), 1);
      await server.kill();
      const started = Date.now();
      const error = await store.claimParams('gone', { x: 1 }, 'x=1', worker('w'), 2).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).transient).toBe(true);
      expect((error as StoreError).message).toMatch(/unreachable/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    } finally {
      await server.restart();
      await store.close();
    }
  });
});
