import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStore, openEmbeddedStore, type StudyEvent, type StudySpec, type WorkerInfo } from '@swarmtune/core';
import { describeStoreConformance } from '../../../test/store-conformance.js';

describeStoreConformance('file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'swarmtune-store-'));
  const store = await FileStore.open(join(dir, 'nested', 'studies.jsonl'), { pollMs: 50, warn: () => {} });
  return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

const T0 = 1_700_000_000_000;
const W: WorkerInfo = { host: 'h', workerId: 'w', pid: 1 };
const spec: StudySpec = {
  name: 's',
  objectives: [{ name: 'v', direction: 'minimize' }],
  searchSpace: {},
  sampler: { name: 'random' },
  limits: {},
};

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('file store', () => {
  let dir: string;
  let journal: string;
  const opened: FileStore[] = [];
  const open = async () => {
    const store = await FileStore.open(journal, { pollMs: 20, warn: () => {} });
    opened.push(store);
    return store;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swarmtune-file-'));
    journal = join(dir, 'studies.jsonl');
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('shares studies, trials and readChanges cursors between stores on one file', async () => {
    const a = await open();
    const b = await open();
    await a.createStudy(spec, T0);
    expect((await b.createStudy(spec, T0 + 1)).created).toBe(false);
    const claimed = await a.claimParams('s', { x: 1 }, 'x=1', W, T0);
    if (claimed.kind !== 'claimed') throw new Error(claimed.kind);
    expect(await b.claimParams('s', { x: 1 }, 'x=1', W, T0)).toMatchObject({ kind: 'duplicate_running' });

    const first = await b.readChanges('s', null);
    expect(first.trials.length).toBe(2);
    await a.finishTrial('s', claimed.trial.id, { state: 'COMPLETE', values: [1] }, T0 + 1);
    const fromB = await b.readChanges('s', first.cursor);
    const fromA = await a.readChanges('s', first.cursor);
    expect(fromB).toEqual(fromA);
    expect(fromB.trials.map((t) => [t.number, t.state])).toEqual([[0, 'COMPLETE']]);
    expect(await (await open()).getTrials('s')).toEqual(await a.getTrials('s'));
  });

  it('delivers a stop written through another store, and again when it becomes --now', async () => {
    const writer = await open();
    const watcher = await open();
    await writer.createStudy(spec, T0);
    const events: StudyEvent[] = [];
    const unsubscribe = await watcher.subscribe('s', (e) => events.push(e));
    await writer.stopStudy('s', { now: false }, T0 + 1);
    await waitFor(() => events.length === 1, 'the stop event');
    await writer.stopStudy('s', { now: true }, T0 + 2);
    await waitFor(() => events.length === 2, 'the stop --now event');
    expect(events).toEqual([
      { type: 'stop', now: false, study: 's' },
      { type: 'stop', now: true, study: 's' },
    ]);
    await unsubscribe();
  });

  it('opens file: URLs, creating the parent folder', async () => {
    const nested = join(dir, 'a', 'b', 'studies.jsonl');
    const store = await openEmbeddedStore(`file:${nested}`);
    await store.createStudy(spec, T0);
    await store.close();
    expect(existsSync(nested)).toBe(true);
    const again = await openEmbeddedStore(pathToFileURL(nested).href);
    expect((await again.getStudy('s'))?.name).toBe('s');
    expect(again.displayUrl).toBe(`file:${nested}`);
    await again.close();
  });

  it('claims and finishes 2,000 trials at well under 1 ms of CPU each', async () => {
    const store = await open();
    await store.createStudy(spec, T0);
    const pairs = 2_000;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < pairs; i++) {
      const outcome = await store.claimParams('s', { i }, `i=${i}`, W, T0 + i);
      if (outcome.kind !== 'claimed') throw new Error(outcome.kind);
      await store.finishTrial('s', outcome.trial.id, { state: 'COMPLETE', values: [i] }, T0 + i);
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMsPerOp = (cpu.user + cpu.system) / 1000 / (2 * pairs);
    console.log(
      `file store: ${pairs} claim+finish pairs in ${seconds.toFixed(2)} s = ${Math.round(pairs / seconds)} pairs/s ` +
        `(${Math.round((2 * pairs) / seconds)} ops/s), CPU ${cpuMsPerOp.toFixed(3)} ms/op ` +
        `(user ${(cpu.user / 1000 / (2 * pairs)).toFixed(3)}, system ${(cpu.system / 1000 / (2 * pairs)).toFixed(3)})`,
    );
    expect(cpuMsPerOp).toBeLessThan(1);
    expect((await store.getTrials('s')).length).toBe(pairs);
  });
});
