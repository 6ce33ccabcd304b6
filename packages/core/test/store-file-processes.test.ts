import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore, type StudySpec } from '@swarmtune/core';
import { ensureCoreBuilt } from './fixtures/core-build.js';

const claimer = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'file-store-claimer.mjs');

function spec(name: string): StudySpec {
  return { name, objectives: [{ name: 'v', direction: 'minimize' }], searchSpace: {}, sampler: { name: 'random' }, limits: {} };
}

/** Starts `n` claimer processes, releases them together, and returns each one's summary of claim outcomes. */
async function runClaimers(journal: string, study: string, mode: string, n: number, count: number) {
  const children = Array.from({ length: n }, (_, i) =>
    spawn(process.execPath, [claimer, journal, study, mode, String(i), String(count)], { stdio: 'pipe' }),
  );
  const outputs = children.map((child) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const ready = new Promise<void>((resolve, reject) => {
      const check = () => stdout.includes('ready\n') && resolve();
      child.stdout.on('data', check);
      child.once('exit', (code) => reject(new Error(`claimer exited (${code}) before ready: ${stderr}`)));
    });
    const done = new Promise<Record<string, number>>((resolve, reject) => {
      child.once('exit', (code) => {
        if (code !== 0) return reject(new Error(`claimer exited with ${code}: ${stderr}`));
        resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number>);
      });
    });
    return { ready, done };
  });
  await Promise.all(outputs.map((o) => o.ready));
  for (const child of children) child.stdin.end('go\n');
  return Promise.all(outputs.map((o) => o.done));
}

describe('file store shared by several processes', () => {
  let dir: string;

  beforeAll(async () => {
    ensureCoreBuilt();
    dir = await mkdtemp(join(tmpdir(), 'swarmtune-procs-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every record when four processes claim and finish at once', async () => {
    const journal = join(dir, 'studies.jsonl');
    const store = await FileStore.open(journal);
    await store.createStudy(spec('distinct'), Date.now());
    await store.createStudy(spec('same'), Date.now());

    const distinct = await runClaimers(journal, 'distinct', 'distinct', 4, 200);
    expect(distinct.map((s) => s.claimed)).toEqual([200, 200, 200, 200]);

    for (const reader of [store, await FileStore.open(journal)]) {
      const trials = await reader.getTrials('distinct');
      expect(trials.length).toBe(800);
      expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
      expect(trials.map((t) => t.number)).toEqual(Array.from({ length: 800 }, (_, i) => i));
      expect(new Set(trials.map((t) => t.id)).size).toBe(800);
      expect(new Set(trials.map((t) => t.paramKey)).size).toBe(800);
    }
    const trials800 = await store.getTrials('distinct');
    let switches = 0;
    for (let i = 1; i < trials800.length; i++) if (trials800[i]!.workerId !== trials800[i - 1]!.workerId) switches++;
    console.log(`4 processes x 200 claim+finish: worker switches between consecutive trials: ${switches}`);
    expect(switches, 'the processes wrote one after the other, not at the same time').toBeGreaterThan(100);

    const same = await runClaimers(journal, 'same', 'same', 4, 50);
    expect(same.reduce((sum, s) => sum + (s.claimed ?? 0), 0)).toBe(50);
    const trials = await store.getTrials('same');
    expect(trials.filter((t) => t.reusedFrom === undefined && t.state === 'COMPLETE').length).toBe(50);
    expect(trials.length).toBe(200);
    await store.close();
  });
});
