import { StoreError, STORE_FORMAT_VERSION } from '@swarmtune/core';
import { openRedisStore } from '@swarmtune/redis-store';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../../test/redis-harness.js';
import { spec } from './fixtures.js';

let secured: RedisServerHandle;
let plain: RedisServerHandle;
const PASSWORD = 'pa55-w0rd-xyz';

beforeAll(async () => {
  [secured, plain] = await Promise.all([startRedisServer({ password: PASSWORD }), startRedisServer()]);
});
afterAll(async () => {
  await Promise.all([secured?.stop(), plain?.stop()]);
});

async function openError(url: string): Promise<StoreError> {
  try {
    const store = await openRedisStore(url, { connectTimeoutMs: 1000 });
    await store.close();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    return err as StoreError;
  }
  throw new Error(`opening ${url} succeeded`);
}

describe('openRedisStore', () => {
  it('opens with the right password and masks it in displayUrl', async () => {
    const store = await openRedisStore(secured.url);
    expect(store.displayUrl).toBe(`redis://:***@127.0.0.1:${secured.port}`);
    await store.createStudy(spec('p'), 1);
    expect((await store.getStudy('p'))?.name).toBe('p');
    await store.close();
  });

  it('a wrong password is a StoreError that does not show it', async () => {
    const err = await openError(`redis://:not-${PASSWORD}@127.0.0.1:${secured.port}`);
    expect(err.message).toMatch(/authentication failed.*password was refused/);
    expect(err.message).not.toContain(PASSWORD);
    expect(err.transient).toBe(false);
  });

  it('a missing password is a StoreError saying one is needed', async () => {
    const err = await openError(`redis://127.0.0.1:${secured.port}`);
    expect(err.message).toMatch(/a password is required/);
  });

  it('an unreachable server is a transient StoreError', async () => {
    await plain.kill();
    try {
      const err = await openError(`redis://:${PASSWORD}@127.0.0.1:${plain.port}`);
      expect(err.message).toContain(`127.0.0.1:${plain.port}`);
      expect(err.message).not.toContain(PASSWORD);
      expect(err.transient).toBe(true);
    } finally {
      await plain.restart();
    }
  });

  it('refuses a store of a newer format and writes nothing', async () => {
    const raw = new Redis(plain.port, '127.0.0.1');
    try {
      await raw.set('future:format', String(STORE_FORMAT_VERSION + 1));
      const before = (await raw.keys('*')).sort();
      const err = await openError(`${plain.url}?prefix=future`);
      expect(err.message).toContain(`format ${STORE_FORMAT_VERSION + 1}`);
      expect((await raw.keys('*')).sort()).toEqual(before);
      expect(await raw.get('future:format')).toBe(String(STORE_FORMAT_VERSION + 1));
    } finally {
      raw.disconnect();
    }
  });

  it('marks a fresh store with the current format under its prefix', async () => {
    const store = await openRedisStore(plain.url, { prefix: 'fresh' });
    const raw = new Redis(plain.port, '127.0.0.1');
    try {
      expect(await raw.get('fresh:format')).toBe(String(STORE_FORMAT_VERSION));
    } finally {
      raw.disconnect();
      await store.close();
    }
  });
});
