import { describe, expect, it } from 'vitest';
import { InputError, MemoryStore, openEmbeddedStore } from '@swarmtune/core';
import { describeStoreConformance } from '../../../test/store-conformance.js';

describeStoreConformance('memory', async () => ({ store: new MemoryStore(), cleanup: async () => {} }));

describe('memory: URLs', () => {
  it('memory: opens a fresh store; memory:NAME shares one per name', async () => {
    const spec = { name: 's', objectives: [], searchSpace: {}, sampler: { name: 'random' as const }, limits: {} };
    const a = await openEmbeddedStore('memory:shared-test');
    await a.createStudy(spec, 1);
    const b = await openEmbeddedStore('memory:shared-test');
    expect(await b.getStudy('s')).not.toBeNull();
    expect(b.displayUrl).toBe('memory:shared-test');
    const fresh = await openEmbeddedStore('memory:');
    expect(await fresh.getStudy('s')).toBeNull();
  });

  it('rejects other schemes with an InputError naming the store', async () => {
    const error = await openEmbeddedStore('redis://:secret@localhost:6390/0').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).where).toBe('store');
    expect((error as InputError).message).toContain('"redis:"');
    expect((error as InputError).message).not.toContain('secret');
    await expect(openEmbeddedStore('')).rejects.toThrow(InputError);
    await expect(openEmbeddedStore('file:')).rejects.toThrow(/needs a path/);
  });

  it('tells a subscriber of a study that is STOPPED already', async () => {
    const store = new MemoryStore();
    const spec = { name: 's', objectives: [], searchSpace: {}, sampler: { name: 'random' as const }, limits: {} };
    await store.createStudy(spec, 1);
    await store.stopStudy('s', { now: false }, 2);
    const events: unknown[] = [];
    await store.subscribe('s', (e) => events.push(e));
    await Promise.resolve();
    expect(events).toEqual([{ type: 'stop', now: false, study: 's' }]);
  });

  it('returns copies: changing a returned trial does not change the store', async () => {
    const store = new MemoryStore();
    const spec = { name: 's', objectives: [], searchSpace: {}, sampler: { name: 'random' as const }, limits: {} };
    await store.createStudy(spec, 1);
    const outcome = await store.claimParams('s', { x: 1 }, 'x=1', { host: 'h', workerId: 'w', pid: 1 }, 2);
    if (outcome.kind !== 'claimed') throw new Error(outcome.kind);
    outcome.trial.params.x = 99;
    outcome.trial.state = 'COMPLETE';
    expect((await store.getTrials('s'))[0]).toMatchObject({ state: 'RUNNING', params: { x: 1 } });
  });
});
