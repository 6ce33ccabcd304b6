// The behaviour every Store implementation must have, as a vitest suite. It uses nothing but the Store interface, so
// memory, file and redis stores all run it:
//
//   describeStoreConformance('file', async () => ({ store: await FileStore.open(path), cleanup: async () => rm(dir) }));
//
// `open` is called before every test and must return an empty store; `cleanup` runs after the test has closed it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  STORE_FORMAT_VERSION,
  type ClaimOutcome,
  type Store,
  type StudyEvent,
  type StudySpec,
  type Trial,
  type WorkerInfo,
} from '@swarmtune/core';

export interface OpenedStore {
  store: Store;
  cleanup: () => Promise<void>;
}

const T0 = 1_700_000_000_000;
const W1: WorkerInfo = { host: 'host-a', workerId: 'worker-1', pid: 101 };
const W2: WorkerInfo = { host: 'host-b', workerId: 'worker-2', pid: 202 };

function spec(name: string, extra: Partial<StudySpec> = {}): StudySpec {
  return {
    name,
    objectives: [{ name: 'loss', direction: 'minimize' }],
    searchSpace: { x: { _type: 'uniform', _value: [0, 1] } },
    sampler: { name: 'random' },
    limits: {},
    ...extra,
  };
}

function claimedTrial(outcome: ClaimOutcome): Trial {
  if (outcome.kind !== 'claimed') throw new Error(`expected a claimed trial, got ${outcome.kind}`);
  return outcome.trial;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function describeStoreConformance(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });

    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    const claim = (study: string, key: string | null, now = T0, worker = W1) =>
      store.claimParams(study, key === null ? {} : { k: key }, key, worker, now);

    describe('studies', () => {
      it('creates a study once and returns the existing one afterwards', async () => {
        const first = await store.createStudy(spec('s1', { limits: { maxTrials: 5 } }), T0);
        expect(first.created).toBe(true);
        expect(first.record).toMatchObject({ name: 's1', state: 'PENDING', createdAt: T0 });
        expect(first.record.formatVersion).toBe(STORE_FORMAT_VERSION);
        expect(first.record.spec.limits.maxTrials).toBe(5);

        const again = await store.createStudy(spec('s1', { limits: { maxTrials: 99 } }), T0 + 1);
        expect(again.created).toBe(false);
        expect(again.record).toEqual(first.record);
        expect(await store.getStudy('s1')).toEqual(first.record);
        expect(await store.getStudy('missing')).toBeNull();

        await store.createStudy(spec('s2'), T0 + 2);
        const names = (await store.listStudies()).map((s) => s.name).sort();
        expect(names).toEqual(['s1', 's2']);
      });

      it('moves the study state but never out of a terminal state', async () => {
        await store.createStudy(spec('s'), T0);
        expect(await store.setStudyState('s', 'RUNNING', T0 + 1)).toBe('RUNNING');
        expect(await store.setStudyState('s', 'TIMEOUT', T0 + 2, 'maxExecSeconds')).toBe('TIMEOUT');
        expect(await store.setStudyState('s', 'RUNNING', T0 + 3)).toBe('TIMEOUT');
        const record = await store.getStudy('s');
        expect(record).toMatchObject({ state: 'TIMEOUT', stateReason: 'maxExecSeconds', endedAt: T0 + 2 });
      });

      it('rejects trial operations on a study that does not exist', async () => {
        await expect(claim('missing', 'a')).rejects.toThrow();
        await expect(store.enqueueTrial('missing', { k: 'a' }, 'a', T0)).rejects.toThrow();
      });
    });

    describe('claims', () => {
      it('claims a new RUNNING trial for the worker and starts a PENDING study', async () => {
        await store.createStudy(spec('s'), T0);
        const trial = claimedTrial(await store.claimParams('s', { k: 'a' }, 'a', W1, T0 + 10, { sampler: 'random' }));
        expect(trial).toMatchObject({
          number: 0,
          study: 's',
          state: 'RUNNING',
          params: { k: 'a' },
          paramKey: 'a',
          host: W1.host,
          workerId: W1.workerId,
          pid: W1.pid,
          startedAt: T0 + 10,
          heartbeatAt: T0 + 10,
          attrs: { sampler: 'random' },
        });
        expect(trial.id).toMatch(/\S{8,}/);
        expect(await store.getStudy('s')).toMatchObject({ state: 'RUNNING', startedAt: T0 + 10 });

        const second = claimedTrial(await claim('s', 'b', T0 + 20));
        expect(second.number).toBe(1);
        expect(second.id).not.toBe(trial.id);
      });

      it('reuses the values of a COMPLETE trial with the same key', async () => {
        await store.createStudy(spec('s'), T0);
        const first = claimedTrial(await claim('s', 'a'));
        await store.finishTrial('s', first.id, { state: 'COMPLETE', values: [0.5], metrics: { acc: 0.9 } }, T0 + 5);

        const reused = await claim('s', 'a', T0 + 6, W2);
        expect(reused.kind).toBe('reused');
        if (reused.kind !== 'reused') return;
        expect(reused.trial).toMatchObject({
          number: 1,
          state: 'COMPLETE',
          values: [0.5],
          metrics: { acc: 0.9 },
          reusedFrom: 0,
          paramKey: 'a',
        });
        // A reuse copies from the trial that ran, never from another reuse.
        const again = await claim('s', 'a', T0 + 7, W2);
        expect(again.kind === 'reused' && again.trial.reusedFrom).toBe(0);
      });

      it('records FAIL(duplicate_running) when the key is RUNNING elsewhere', async () => {
        await store.createStudy(spec('s'), T0);
        claimedTrial(await claim('s', 'a', T0, W1));
        const duplicate = await claim('s', 'a', T0 + 1, W2);
        expect(duplicate.kind).toBe('duplicate_running');
        if (duplicate.kind !== 'duplicate_running') return;
        expect(duplicate.trial).toMatchObject({
          number: 1,
          state: 'FAIL',
          failReason: 'duplicate_running',
          duplicateOf: 0,
          workerId: W2.workerId,
        });
      });

      it('claims a WAITING trial with the same key before anything else', async () => {
        await store.createStudy(spec('s'), T0);
        const ran = claimedTrial(await claim('s', 'a'));
        await store.finishTrial('s', ran.id, { state: 'COMPLETE', values: [1] }, T0 + 1);
        const waiting = await store.enqueueTrial('s', { k: 'a' }, 'a', T0 + 2, { attrs: { source: 'user' } });
        expect(waiting).toMatchObject({ number: 1, state: 'WAITING', paramKey: 'a' });

        const claimed = claimedTrial(await claim('s', 'a', T0 + 3, W2));
        expect(claimed).toMatchObject({
          id: waiting.id,
          number: 1,
          state: 'RUNNING',
          workerId: W2.workerId,
          startedAt: T0 + 3,
          heartbeatAt: T0 + 3,
        });
        expect((await store.getTrials('s')).length).toBe(2);
      });

      it('skips the key checks for define-by-run claims (null key)', async () => {
        await store.createStudy(spec('s'), T0);
        expect((await claim('s', null)).kind).toBe('claimed');
        expect((await claim('s', null)).kind).toBe('claimed');
      });

      it('claimWaiting takes the oldest WAITING trial', async () => {
        await store.createStudy(spec('s'), T0);
        const a = await store.enqueueTrial('s', { k: 'a' }, 'a', T0);
        const b = await store.enqueueTrial('s', { k: 'b' }, 'b', T0 + 1);
        expect(await store.getStudy('s')).toMatchObject({ state: 'PENDING' });
        const first = await store.claimWaiting('s', W1, T0 + 2);
        expect(first).toMatchObject({ id: a.id, state: 'RUNNING', workerId: W1.workerId, startedAt: T0 + 2 });
        expect(await store.getStudy('s')).toMatchObject({ state: 'RUNNING' });
        expect((await store.claimWaiting('s', W2, T0 + 3))?.id).toBe(b.id);
        expect(await store.claimWaiting('s', W2, T0 + 4)).toBeNull();
      });

      it('ends claims once the study is terminal', async () => {
        await store.createStudy(spec('s'), T0);
        await store.enqueueTrial('s', { k: 'a' }, 'a', T0);
        await store.setStudyState('s', 'ERROR', T0 + 1, 'bad spec');
        expect(await claim('s', 'a')).toEqual({ kind: 'study_ended', state: 'ERROR' });
        expect(await claim('s', 'b')).toEqual({ kind: 'study_ended', state: 'ERROR' });
        expect(await store.claimWaiting('s', W1, T0 + 2)).toBeNull();
        expect((await store.getTrials('s')).map((t) => t.state)).toEqual(['WAITING']);
      });
    });

    describe('budget', () => {
      it('stops at exactly maxTrials', async () => {
        await store.createStudy(spec('s', { limits: { maxTrials: 3 } }), T0);
        const kinds: string[] = [];
        for (let i = 0; i < 5; i++) kinds.push((await claim('s', `k${i}`, T0 + i)).kind);
        expect(kinds).toEqual(['claimed', 'claimed', 'claimed', 'budget_exhausted', 'budget_exhausted']);
        expect((await store.getTrials('s')).length).toBe(3);
      });

      it('does not charge reused or duplicate trials to the budget', async () => {
        await store.createStudy(spec('s', { limits: { maxTrials: 2 } }), T0);
        const a = claimedTrial(await claim('s', 'a'));
        expect((await claim('s', 'a', T0 + 1, W2)).kind).toBe('duplicate_running');
        await store.finishTrial('s', a.id, { state: 'COMPLETE', values: [1] }, T0 + 2);
        expect((await claim('s', 'a', T0 + 3)).kind).toBe('reused');
        expect((await claim('s', 'b', T0 + 4)).kind).toBe('claimed');
        expect((await claim('s', 'c', T0 + 5)).kind).toBe('budget_exhausted');
      });

      it('charges enqueued trials to the budget', async () => {
        await store.createStudy(spec('s', { limits: { maxTrials: 2 } }), T0);
        const queued = await store.enqueueTrial('s', { k: 'x' }, 'x', T0);
        expect((await claim('s', 'a')).kind).toBe('claimed');
        expect((await claim('s', 'b')).kind).toBe('budget_exhausted');
        expect((await store.claimWaiting('s', W1, T0 + 1))?.id).toBe(queued.id);
      });

      it('becomes DONE when the budget is used and nothing is RUNNING or WAITING', async () => {
        await store.createStudy(spec('s', { limits: { maxTrials: 2 } }), T0);
        const a = claimedTrial(await claim('s', 'a'));
        const b = claimedTrial(await claim('s', 'b'));
        await store.finishTrial('s', a.id, { state: 'COMPLETE', values: [1] }, T0 + 1);
        expect((await store.getStudy('s'))?.state).toBe('RUNNING');
        await store.finishTrial('s', b.id, { state: 'FAIL', failReason: 'error', error: 'exit 1' }, T0 + 2);
        expect(await store.getStudy('s')).toMatchObject({ state: 'DONE', endedAt: T0 + 2 });
        expect(await claim('s', 'c')).toEqual({ kind: 'study_ended', state: 'DONE' });
      });
    });

    describe('finishing', () => {
      it('records a result delivered twice once', async () => {
        await store.createStudy(spec('s'), T0);
        const trial = claimedTrial(await claim('s', 'a'));
        const first = await store.finishTrial(
          's',
          trial.id,
          { state: 'COMPLETE', values: [1], intermediate: [{ step: 1, value: 3 }] },
          T0 + 1,
        );
        expect(first).toMatchObject({ state: 'COMPLETE', values: [1], finishedAt: T0 + 1 });
        expect(first.rev).toBeGreaterThan(trial.rev);
        const { cursor } = await store.readChanges('s', null);

        const second = await store.finishTrial('s', trial.id, { state: 'COMPLETE', values: [2] }, T0 + 2);
        expect(second).toEqual(first);
        expect(await store.getTrials('s')).toEqual([first]);
        expect((await store.readChanges('s', cursor)).trials).toEqual([]);
      });

      it('re-enqueues the params of an interrupted trial as WAITING', async () => {
        await store.createStudy(spec('s'), T0);
        const trial = claimedTrial(await claim('s', 'a'));
        const failed = await store.finishTrial('s', trial.id, { state: 'FAIL', failReason: 'interrupted' }, T0 + 1);
        expect(failed).toMatchObject({ state: 'FAIL', failReason: 'interrupted' });
        const trials = await store.getTrials('s');
        expect(trials[1]).toMatchObject({
          number: 1,
          state: 'WAITING',
          params: { k: 'a' },
          paramKey: 'a',
          retryOf: 0,
          retryCount: 1,
        });
        expect(claimedTrial(await claim('s', 'a', T0 + 2)).id).toBe(trials[1]!.id);
      });

      it('does not re-enqueue failures of the objective or when retries are off', async () => {
        await store.createStudy(spec('s'), T0);
        await store.createStudy(spec('off', { retryFailed: { enabled: false, maxRetries: 3 } }), T0);
        const a = claimedTrial(await claim('s', 'a'));
        await store.finishTrial('s', a.id, { state: 'FAIL', failReason: 'error' }, T0 + 1);
        const b = claimedTrial(await claim('off', 'b'));
        await store.finishTrial('off', b.id, { state: 'FAIL', failReason: 'interrupted' }, T0 + 1);
        expect((await store.getTrials('s')).length).toBe(1);
        expect((await store.getTrials('off')).length).toBe(1);
      });

      it('keeps intermediate values of a RUNNING trial', async () => {
        await store.createStudy(spec('s'), T0);
        const trial = claimedTrial(await claim('s', 'a'));
        await store.reportIntermediate('s', trial.id, { step: 1, value: 0.5 }, T0 + 1);
        await store.reportIntermediate('s', trial.id, { step: 2, value: 0.3 }, T0 + 2);
        const [stored] = await store.getTrials('s');
        expect(stored?.intermediate).toEqual([
          { step: 1, value: 0.5 },
          { step: 2, value: 0.3 },
        ]);
      });
    });

    describe('heartbeats and stale trials', () => {
      it('fails stale trials and retries them up to maxRetries', async () => {
        await store.createStudy(spec('s', { retryFailed: { enabled: true, maxRetries: 2 } }), T0);
        const trial = claimedTrial(await claim('s', 'a', T0));
        expect(await store.failStaleTrials('s', 1_000, T0 + 500)).toEqual([]);

        const [stale] = await store.failStaleTrials('s', 1_000, T0 + 2_000);
        expect(stale).toMatchObject({ id: trial.id, state: 'FAIL', failReason: 'stale', finishedAt: T0 + 2_000 });
        let trials = await store.getTrials('s');
        expect(trials[1]).toMatchObject({ state: 'WAITING', retryOf: 0, retryCount: 1, paramKey: 'a' });

        const retry1 = await store.claimWaiting('s', W2, T0 + 3_000);
        expect(retry1?.number).toBe(1);
        expect((await store.failStaleTrials('s', 1_000, T0 + 5_000)).map((t) => t.number)).toEqual([1]);
        trials = await store.getTrials('s');
        expect(trials[2]).toMatchObject({ state: 'WAITING', retryOf: 1, retryCount: 2 });

        await store.claimWaiting('s', W2, T0 + 6_000);
        expect((await store.failStaleTrials('s', 1_000, T0 + 8_000)).map((t) => t.number)).toEqual([2]);
        trials = await store.getTrials('s');
        expect(trials.map((t) => `${t.state}:${t.failReason ?? ''}`)).toEqual(['FAIL:stale', 'FAIL:stale', 'FAIL:stale']);
      });

      it('keeps the budget exact across stale retries', async () => {
        await store.createStudy(spec('s', { limits: { maxTrials: 1 } }), T0);
        claimedTrial(await claim('s', 'a', T0));
        await store.failStaleTrials('s', 1_000, T0 + 5_000);
        expect((await claim('s', 'b', T0 + 5_001)).kind).toBe('budget_exhausted');
        const retry = await store.claimWaiting('s', W1, T0 + 5_002);
        expect(retry?.paramKey).toBe('a');
        await store.finishTrial('s', retry!.id, { state: 'COMPLETE', values: [0] }, T0 + 6_000);
        expect((await store.getStudy('s'))?.state).toBe('DONE');
      });

      it('refreshes heartbeats of RUNNING trials only', async () => {
        await store.createStudy(spec('s'), T0);
        const alive = claimedTrial(await claim('s', 'a', T0));
        const lost = claimedTrial(await claim('s', 'b', T0));
        const done = claimedTrial(await claim('s', 'c', T0));
        const finished = await store.finishTrial('s', done.id, { state: 'COMPLETE', values: [1] }, T0 + 1);

        await store.heartbeat('s', [alive.id, done.id, 'no-such-trial'], T0 + 5_000);
        const failed = await store.failStaleTrials('s', 3_000, T0 + 6_000);
        expect(failed.map((t) => t.id)).toEqual([lost.id]);
        const trials = await store.getTrials('s');
        expect(trials.find((t) => t.id === alive.id)).toMatchObject({ state: 'RUNNING', heartbeatAt: T0 + 5_000 });
        expect(trials.find((t) => t.id === done.id)).toEqual(finished);
      });
    });

    describe('readChanges', () => {
      it('returns only the trials that changed since the cursor, in their latest version', async () => {
        await store.createStudy(spec('s'), T0);
        await store.createStudy(spec('other'), T0);
        const empty = await store.readChanges('s', null);
        expect(empty.trials).toEqual([]);

        const a = claimedTrial(await claim('s', 'a'));
        const b = claimedTrial(await claim('s', 'b'));
        claimedTrial(await claim('s', 'c'));
        const all = await store.readChanges('s', empty.cursor);
        expect(all.trials.map((t) => t.number).sort()).toEqual([0, 1, 2]);
        expect((await store.readChanges('s', all.cursor)).trials).toEqual([]);

        await store.finishTrial('s', b.id, { state: 'COMPLETE', values: [3] }, T0 + 1);
        await store.heartbeat('s', [a.id], T0 + 2);
        await store.heartbeat('s', [a.id], T0 + 3);
        await claim('other', 'z');
        const changed = await store.readChanges('s', all.cursor);
        const byNumber = new Map(changed.trials.map((t) => [t.number, t]));
        expect([...byNumber.keys()].sort()).toEqual([0, 1]);
        expect(changed.trials.length).toBe(2);
        expect(byNumber.get(0)).toMatchObject({ heartbeatAt: T0 + 3 });
        expect(byNumber.get(1)).toMatchObject({ state: 'COMPLETE', values: [3] });
        expect((await store.readChanges('s', changed.cursor)).trials).toEqual([]);

        const everything = await store.readChanges('s', null);
        expect(everything.trials.map((t) => t.number).sort()).toEqual([0, 1, 2]);
        expect(everything.trials).toEqual(expect.arrayContaining(await store.getTrials('s')));
      });
    });

    describe('stop', () => {
      it('stopStudy sets STOPPED and delivers stop to subscribers', async () => {
        await store.createStudy(spec('s'), T0);
        const trial = claimedTrial(await claim('s', 'a'));
        const events: StudyEvent[] = [];
        const unsubscribe = await store.subscribe('s', (event) => events.push(event));
        try {
          await store.stopStudy('s', { now: true }, T0 + 1);
          await waitFor(() => events.length > 0, 'a stop event');
          expect(events[0]).toEqual({ type: 'stop', now: true, study: 's' });
          expect(await store.getStudy('s')).toMatchObject({ state: 'STOPPED', stopNow: true });
          expect(await claim('s', 'b')).toEqual({ kind: 'study_ended', state: 'STOPPED' });
          // The trial in flight can still report.
          const finished = await store.finishTrial('s', trial.id, { state: 'FAIL', failReason: 'interrupted' }, T0 + 2);
          expect(finished.state).toBe('FAIL');
          expect(await store.claimWaiting('s', W1, T0 + 3)).toBeNull();
        } finally {
          await unsubscribe();
        }
      });
    });

    describe('concurrency', () => {
      it('gives exactly one claim of a key to many callers at once', async () => {
        await store.createStudy(spec('s'), T0);
        const callers = Array.from({ length: 20 }, (_, i) =>
          store.claimParams('s', { k: 'same' }, 'same', { host: 'h', workerId: `w${i}`, pid: 1000 + i }, T0 + i),
        );
        const outcomes = await Promise.all(callers);
        const kinds = outcomes.map((o) => o.kind);
        expect(kinds.filter((k) => k === 'claimed').length).toBe(1);
        expect(kinds.filter((k) => k === 'duplicate_running').length).toBe(19);
        const numbers = (await store.getTrials('s')).map((t) => t.number);
        expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i));
      });

      it('never overspends the budget under concurrent claims', async () => {
        await store.createStudy(spec('s', { limits: { maxTrials: 10 } }), T0);
        const outcomes = await Promise.all(Array.from({ length: 25 }, (_, i) => claim('s', `k${i}`, T0 + i)));
        expect(outcomes.filter((o) => o.kind === 'claimed').length).toBe(10);
        expect(outcomes.filter((o) => o.kind === 'budget_exhausted').length).toBe(15);
        const ids = new Set((await store.getTrials('s')).map((t) => t.id));
        expect(ids.size).toBe(10);
      });
    });
  });
}
