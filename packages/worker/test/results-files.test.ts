import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, openEmbeddedStore, type StudySpec } from '@swarmtune/core';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readResults, ResultsFiles, skipExisting, trialKey, Worker, type Evaluator, type ResultRecord } from '../src/index.js';

const logger = pino({ level: 'silent' });
let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'swarmtune-results-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function spec(name: string, maxTrials: number): StudySpec {
  return {
    name,
    objectives: [{ name: 'tps', direction: 'maximize' }],
    searchSpace: { batch: { _type: 'choice', _value: [4, 8, 16, 32] }, quant: { _type: 'choice', _value: ['fp16'] } },
    sampler: { name: 'grid' },
    limits: { maxTrials },
    constraints: [{ metric: 'accuracy', op: '>=', bound: 0.88 }],
  };
}

/** tps grows with the batch; accuracy drops below 0.88 at 16; batch 32 crashes (last in grid order). */
function evaluator(calls: string[]): Evaluator {
  return async ({ trial }) => {
    calls.push(trialKey(trial.params));
    const batch = trial.params.batch as number;
    if (batch === 32) return { state: 'FAIL', failReason: 'crashed', error: 'boom\nmore', attrs: { status: 'crashed', phase: 'startup' } };
    return { state: 'COMPLETE', values: [batch * 10], metrics: { tps: batch * 10, accuracy: batch === 16 ? 0.87 : 0.9 }, attrs: { status: 'ok', phase: 'eval', okRuns: 2, evalRuns: 2 } };
  };
}

async function runStudy(name: string, maxTrials: number, evaluate: Evaluator, previous: ResultRecord[] = []) {
  const store = await openEmbeddedStore('memory:');
  const s = spec(name, maxTrials);
  await store.createStudy(s, Date.now());
  const files = new ResultsFiles({
    study: name,
    objectives: s.objectives,
    constraints: s.constraints!,
    results: join(dir, 'results.jsonl'),
    best: join(dir, 'best_params.json'),
    status: join(dir, 'out', 'status.json'),
    previous,
  });
  const statusSeen: unknown[] = [];
  const worker = new Worker({
    store,
    studies: [name],
    evaluate,
    logger,
    rngSalt: '',
    onEvent: (e) => {
      files.onEvent(e);
      if (e.type === 'trial_started') statusSeen.push(JSON.parse(readFileSync(join(dir, 'out', 'status.json'), 'utf8')));
    },
  });
  await worker.run();
  await store.close();
  return { files, statusSeen };
}

describe('results, best and status files', () => {
  it('write one line per finished trial, the best feasible params, and a live status', async () => {
    const calls: string[] = [];
    const { statusSeen } = await runStudy('svc', 4, evaluator(calls));
    const records = readResults(join(dir, 'results.jsonl'));
    expect(records).toHaveLength(4);
    expect(records.map((r) => r.status).sort()).toEqual(['crashed', 'ok', 'ok', 'ok']);
    const crashed = records.find((r) => r.status === 'crashed')!;
    expect(crashed).toMatchObject({ state: 'FAIL', phase: 'startup', failReason: 'crashed', error: 'boom', params: { batch: 32, quant: 'fp16' } });
    const ok = records.find((r) => r.params.batch === 8)!;
    expect(ok).toMatchObject({ trialKey: '{"batch":8,"quant":"fp16"}', study: 'svc', state: 'COMPLETE', values: [80], okRuns: 2, evalRuns: 2 });
    expect(typeof ok.finishedAt).toBe('string');
    // batch 16 is faster but infeasible (accuracy 0.87): the best is batch 8, params only.
    expect(JSON.parse(readFileSync(join(dir, 'best_params.json'), 'utf8'))).toEqual({ batch: 8, quant: 'fp16' });
    const status = JSON.parse(readFileSync(join(dir, 'out', 'status.json'), 'utf8'));
    expect(status).toMatchObject({ study: 'svc', state: 'ended', studyState: 'DONE', finished: 4, counts: { ok: 3, crashed: 1 }, running: [] });
    expect(status.best).toMatchObject({ params: { batch: 8, quant: 'fp16' }, values: [80] });
    // while a trial ran, status.json named it
    expect((statusSeen.at(-1) as { state: string }).state).toBe('running');
  });

  it('--skip-existing after an interrupted run does not rerun finished keys', async () => {
    const first: string[] = [];
    await runStudy('svc', 2, evaluator(first)); // "interrupted" after two trials
    expect(first).toHaveLength(2);
    const previous = readResults(join(dir, 'results.jsonl'));
    const second: string[] = [];
    const { files } = await runStudy('svc', 4, skipExisting(evaluator(second), previous), previous);
    expect(second).toHaveLength(2);
    expect(second.filter((k) => first.includes(k))).toEqual([]);
    const records = readResults(join(dir, 'results.jsonl'));
    expect(records).toHaveLength(4); // skipped trials are not written twice
    expect(new Set(records.map((r) => r.trialKey)).size).toBe(4);
    expect(files.current.finished).toBe(4);
  });

  it('--skip-existing skips only keys that finished in the same study', async () => {
    const first: string[] = [];
    await runStudy('svc', 2, evaluator(first));
    const previous = readResults(join(dir, 'results.jsonl')).map((r) => ({ ...r, study: 'another-study' }));
    const second: string[] = [];
    await runStudy('svc', 2, skipExisting(evaluator(second), previous), previous);
    expect(second).toEqual(first);
  });

  it('a results file that is not JSON lines is an InputError naming the line', () => {
    const path = join(dir, 'results.jsonl');
    writeFileSync(path, `${JSON.stringify({ trialKey: '{}', status: 'ok', params: {} })}\nnot json\n`);
    expect(() => readResults(path)).toThrow(InputError);
    expect(() => readResults(path)).toThrow(`${path}:2`);
  });
});
