import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStore, STORE_FORMAT_VERSION, StoreError, type StudySpec, type WorkerInfo } from '@swarmtune/core';

const T0 = 1_700_000_000_000;
const W: WorkerInfo = { host: 'h', workerId: 'w', pid: 1 };
const spec: StudySpec = {
  name: 's',
  objectives: [{ name: 'v', direction: 'minimize' }],
  searchSpace: {},
  sampler: { name: 'random' },
  limits: {},
};

describe('file store journal', () => {
  let dir: string;
  let journal: string;
  let warnings: string[];
  const open = () => FileStore.open(journal, { warn: (m) => warnings.push(m) });

  /** A journal with the study and `n` finished trials, written by a store that is closed again. */
  async function writeJournal(n: number): Promise<void> {
    const store = await open();
    await store.createStudy(spec, T0);
    for (let i = 0; i < n; i++) {
      const outcome = await store.claimParams('s', { i }, `i=${i}`, W, T0 + i);
      if (outcome.kind !== 'claimed') throw new Error(outcome.kind);
      await store.finishTrial('s', outcome.trial.id, { state: 'COMPLETE', values: [i] }, T0 + i);
    }
    await store.close();
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swarmtune-journal-'));
    journal = join(dir, 'studies.jsonl');
    warnings = [];
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a header, then one line per operation', async () => {
    await writeJournal(2);
    const lines = readFileSync(journal, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(JSON.parse(lines[0]!)).toMatchObject({ kind: 'swarmtune-journal', formatVersion: STORE_FORMAT_VERSION });
    expect(lines.slice(1).map((l) => (JSON.parse(l) as { op: string }).op)).toEqual([
      'createStudy',
      'claimParams',
      'finishTrial',
      'claimParams',
      'finishTrial',
    ]);
  });

  it.each([
    ['a line without its newline', '{"op":"claimParams","study":"s","trials":[{"id":"TORN'],
    ['an unparseable last line', '{"op":"claimParams","torn\n'],
  ])('ignores a torn last line (%s) and cuts it off on the next write', async (_what, fragment) => {
    await writeJournal(3);
    appendFileSync(journal, fragment);

    const store = await open();
    expect((await store.getTrials('s')).map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE']);
    const outcome = await store.claimParams('s', { i: 3 }, 'i=3', W, T0 + 10);
    expect(outcome.kind).toBe('claimed');
    await store.close();

    const text = readFileSync(journal, 'utf8');
    expect(text).not.toContain(fragment.trim());
    expect(text.endsWith('\n')).toBe(true);
    for (const line of text.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    expect(warnings.some((w) => w.includes('torn'))).toBe(true);

    const fresh = await open();
    const trials = await fresh.getTrials('s');
    expect(trials.map((t) => t.number)).toEqual([0, 1, 2, 3]);
    expect(trials[3]).toMatchObject({ state: 'RUNNING', paramKey: 'i=3' });
    await fresh.close();
  });

  it('starts over when only a torn header is there', async () => {
    writeFileSync(journal, '{"kind":"swarmtune-jou');
    const store = await open();
    expect(await store.listStudies()).toEqual([]);
    await store.createStudy(spec, T0);
    await store.close();
    const fresh = await open();
    expect((await fresh.getStudy('s'))?.name).toBe('s');
    await fresh.close();
  });

  it('refuses a journal corrupted in the middle, naming file and line, and writes nothing', async () => {
    await writeJournal(2);
    const lines = readFileSync(journal, 'utf8').split('\n');
    lines[3] = '{"op": this is not json';
    writeFileSync(journal, lines.join('\n'));
    const before = readFileSync(journal);

    const error = await open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toContain(journal);
    expect((error as StoreError).message).toContain('line 4');
    expect(readFileSync(journal).equals(before)).toBe(true);
  });

  it('refuses lines that parse but are not records, naming the line', async () => {
    await writeJournal(1);
    const lines = readFileSync(journal, 'utf8').split('\n');
    lines[2] = JSON.stringify({ op: 'claimParams', study: 's', trials: [{ id: 'x', number: 'seven' }] });
    writeFileSync(journal, lines.join('\n'));
    await expect(open()).rejects.toThrow(/line 3: "trials\[0\]\.number"/);
  });

  it('reports corruption that appears after opening on the next read, and does not write', async () => {
    await writeJournal(1);
    const store = await open();
    appendFileSync(journal, 'garbage\n{"op":"x","study":"s","trials":[]}\n');
    const before = readFileSync(journal);
    await expect(store.getTrials('s')).rejects.toThrow(StoreError);
    await expect(store.claimParams('s', { i: 9 }, 'i=9', W, T0)).rejects.toThrow(/line 5: not valid JSON/);
    expect(readFileSync(journal).equals(before)).toBe(true);
    await store.close();
  });

  it('refuses a journal from a newer format, naming file and both versions, and writes nothing', async () => {
    const newer = STORE_FORMAT_VERSION + 1;
    writeFileSync(journal, `${JSON.stringify({ kind: 'swarmtune-journal', formatVersion: newer, createdAt: T0 })}\n`);
    const before = readFileSync(journal);
    const error = await open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    const message = (error as StoreError).message;
    expect(message).toContain(journal);
    expect(message).toContain(`format version ${newer}`);
    expect(message).toContain(`(${STORE_FORMAT_VERSION})`);
    expect(readFileSync(journal).equals(before)).toBe(true);
  });

  it('refuses a study record from a newer format', async () => {
    await writeJournal(0);
    const record = { name: 't', spec: { ...spec, name: 't' }, state: 'PENDING', createdAt: T0, formatVersion: 99 };
    appendFileSync(journal, `${JSON.stringify({ op: 'createStudy', study: 't', record, trials: [] })}\n`);
    await expect(open()).rejects.toThrow(/line 3: written with store format version 99/);
  });

  it.each([['JSON', '{"hello":"world"}\n'], ['text', 'some notes\n']])(
    'refuses a file that is not a journal (%s) and leaves it alone',
    async (_what, content) => {
      writeFileSync(journal, content);
      await expect(open()).rejects.toThrow(/line 1: .*not a swarmtune file store/);
      expect(readFileSync(journal, 'utf8')).toBe(content);
    },
  );
});
