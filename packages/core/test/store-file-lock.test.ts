import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStore, StoreError, type StudySpec } from '@swarmtune/core';

const spec: StudySpec = { name: 's', objectives: [], searchSpace: {}, sampler: { name: 'random' }, limits: {} };

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('file store lock', () => {
  let dir: string;
  let journal: string;
  let warnings: string[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swarmtune-lock-'));
    journal = join(dir, 'studies.jsonl');
    warnings = [];
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const writeLock = (pid: number, ageMs: number, host = hostname()) =>
    writeFileSync(`${journal}.lock`, JSON.stringify({ pid, host, time: Date.now() - ageMs, token: 'someone' }));

  it('breaks at once a lock whose holder is a dead process on this host', async () => {
    const store = await FileStore.open(journal, { lockStaleMs: 60_000, lockTimeoutMs: 5_000, warn: (m) => warnings.push(m) });
    writeLock(deadPid(), 0);
    const started = Date.now();
    await store.createStudy(spec, 1);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(warnings.join('\n')).toMatch(/is gone/);
    expect(existsSync(`${journal}.lock`)).toBe(false);
    await store.close();
  });

  it('breaks a lock older than the stale limit even when its holder lives', async () => {
    const store = await FileStore.open(journal, { lockStaleMs: 1_000, lockTimeoutMs: 5_000, warn: (m) => warnings.push(m) });
    writeLock(process.ppid, 5_000);
    await store.createStudy(spec, 1);
    expect(warnings.join('\n')).toMatch(/longer than 1000 ms/);
    await store.close();
  });

  it('waits for a live holder and gives up with a transient StoreError', async () => {
    const store = await FileStore.open(journal, { lockStaleMs: 60_000, lockTimeoutMs: 300, warn: (m) => warnings.push(m) });
    writeLock(process.ppid, 0);
    const error = await store.createStudy(spec, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).transient).toBe(true);
    expect((error as StoreError).message).toContain(`pid ${process.ppid}`);
    expect(existsSync(`${journal}.lock`)).toBe(true);
    expect(await store.getStudy('s')).toBeNull();
    await store.close();
  });

  it('does not trust a lock on another host to be dead', async () => {
    const store = await FileStore.open(journal, { lockStaleMs: 60_000, lockTimeoutMs: 200, warn: (m) => warnings.push(m) });
    writeLock(deadPid(), 0, 'some-other-host');
    await expect(store.createStudy(spec, 1)).rejects.toThrow(StoreError);
    await store.close();
  });
});
