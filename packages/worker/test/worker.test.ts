import { describe, expect, it } from 'vitest';
import { openEmbeddedStore, type Store, type StudySpec, type Trial, type TrialResult } from '@swarmtune/core';
import pino from 'pino';
import { Worker, type Evaluator } from '../src/index.js';

const logger = pino({ level: 'silent' });

function spec(name: string, maxTrials: number): StudySpec {
  return {
    name,
    objectives: [{ name: 'value', direction: 'minimize' }],
    searchSpace: { x: { _type: 'uniform', _value: [0, 1] } },
    sampler: { name: 'random' },
    limits: { maxTrials },
    seed: 1,
  };
}

/** An evaluator whose trials finish only when the test says so, or when aborted. */
function gatedEvaluator() {
  const started: Trial[] = [];
  const gates = new Map<string, (r: TrialResult) => void>();
  const evaluate: Evaluator = ({ trial, signal }) =>
    new Promise<TrialResult>((resolve) => {
      started.push(trial);
      gates.set(trial.id, resolve);
      signal.addEventListener('abort', () => resolve({ state: 'FAIL', failReason: 'interrupted', error: 'aborted' }));
    });
  const releaseAll = () => {
    for (const [id, resolve] of gates) {
      gates.delete(id);
      resolve({ state: 'COMPLETE', values: [started.find((t) => t.id === id)!.params.x as number] });
    }
  };
  return { evaluate, started, releaseAll };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function setup(maxTrials: number): Promise<{ store: Store; name: string }> {
  const store = await openEmbeddedStore('memory:');
  const name = `s${Math.random().toString(36).slice(2, 8)}`;
  await store.createStudy(spec(name, maxTrials), Date.now());
  return { store, name };
}

describe('Worker', () => {
  it('runs a study to DONE with the exact budget and leaves nothing RUNNING', async () => {
    const { store, name } = await setup(12);
    const evaluate: Evaluator = async ({ trial }) => ({ state: 'COMPLETE', values: [trial.params.x as number] });
    const summary = await new Worker({ store, studies: [name], evaluate, logger, concurrency: 3, pollIntervalMs: 10 }).run();
    const trials = await store.getTrials(name);
    expect(trials.filter((t) => t.state === 'COMPLETE')).toHaveLength(12);
    expect(trials.every((t) => t.state !== 'RUNNING')).toBe(true);
    expect(summary.finished).toBe(12);
    expect((await store.getStudy(name))?.state).toBe('DONE');
  });

  it('graceful stop: running trials finish and are recorded, no new trial starts', async () => {
    const { store, name } = await setup(50);
    const gate = gatedEvaluator();
    const worker = new Worker({ store, studies: [name], evaluate: gate.evaluate, logger, concurrency: 2, pollIntervalMs: 10 });
    const done = worker.run();
    await until(() => gate.started.length === 2, 'two trials running');
    worker.stop('graceful');
    gate.releaseAll();
    const summary = await done;
    expect(gate.started).toHaveLength(2);
    const trials = await store.getTrials(name);
    expect(trials.map((t) => t.state).sort()).toEqual(['COMPLETE', 'COMPLETE']);
    expect(summary.stoppedBy).toBe('signal');
  });

  it('stop now: running trials are interrupted, recorded FAIL(interrupted) and re-enqueued', async () => {
    const { store, name } = await setup(50);
    const gate = gatedEvaluator();
    const worker = new Worker({ store, studies: [name], evaluate: gate.evaluate, logger, concurrency: 2, pollIntervalMs: 10 });
    const done = worker.run();
    await until(() => gate.started.length === 2, 'two trials running');
    worker.stop('now');
    await done;
    const trials = await store.getTrials(name);
    const failed = trials.filter((t) => t.state === 'FAIL');
    expect(failed.map((t) => t.failReason)).toEqual(['interrupted', 'interrupted']);
    const waiting = trials.filter((t) => t.state === 'WAITING');
    expect(waiting.map((t) => t.retryOf).sort()).toEqual(failed.map((t) => t.number).sort());
    expect(waiting.map((t) => t.params.x).sort()).toEqual(failed.map((t) => t.params.x).sort());
    expect(trials.some((t) => t.state === 'RUNNING')).toBe(false);
  });

  it('study stop reaches a worker through the store and it exits after its trials', async () => {
    const { store, name } = await setup(50);
    const gate = gatedEvaluator();
    const worker = new Worker({ store, studies: [name], evaluate: gate.evaluate, logger, concurrency: 2, pollIntervalMs: 10 });
    const done = worker.run();
    await until(() => gate.started.length === 2, 'two trials running');
    await store.stopStudy(name, { now: false }, Date.now());
    gate.releaseAll();
    const summary = await done;
    expect(summary.stoppedBy).toBe('study_stop');
    const trials = await store.getTrials(name);
    expect(trials.filter((t) => t.state === 'COMPLETE')).toHaveLength(2);
    expect((await store.getStudy(name))?.state).toBe('STOPPED');
  });

  it('a result is kept and delivered when the store fails transiently', async () => {
    const { store, name } = await setup(3);
    const { StoreError } = await import('@swarmtune/core');
    let failures = 2;
    // the real memory store, with its first two finishTrial calls failing as a lost connection would
    const flaky = new Proxy(store, {
      get(target, prop) {
        if (prop === 'finishTrial') {
          return (...args: Parameters<Store['finishTrial']>) =>
            failures-- > 0 ? Promise.reject(new StoreError('connection lost', true)) : target.finishTrial(...args);
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const evaluate: Evaluator = async ({ trial }) => ({ state: 'COMPLETE', values: [trial.params.x as number] });
    await new Worker({ store: flaky, studies: [name], evaluate, logger, concurrency: 1, pollIntervalMs: 10 }).run();
    const trials = await store.getTrials(name);
    expect(trials.filter((t) => t.state === 'COMPLETE')).toHaveLength(3);
    expect(trials).toHaveLength(3);
  });
});
