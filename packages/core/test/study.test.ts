import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createStudy,
  openEmbeddedStore,
  paramKey,
  parseSearchSpace,
  StudyCache,
  StudyClient,
  type Store,
  type StudySpec,
  type Trial,
  type TrialState,
} from '@swarmtune/core';

const worker = { host: 'h', workerId: 'w', pid: 1 };

function spec(name: string, sampler: StudySpec['sampler'], maxTrials: number, searchSpace: Record<string, unknown>): StudySpec {
  return { name, objectives: [{ name: 'value', direction: 'minimize' }], searchSpace, sampler, limits: { maxTrials }, seed: 11 };
}

const mixed = {
  x: { _type: 'uniform', _value: [-2, 2] },
  n: { _type: 'randint', _value: [0, 6] },
  c: { _type: 'choice', _value: ['a', 'b', 'c'] },
};
const f = (p: Record<string, unknown>) => (Number(p.x) - 0.5) ** 2 + (Number(p.n) - 2) ** 2 + (p.c === 'b' ? 0 : 1);

async function runSequential(sampler: StudySpec['sampler'], n: number) {
  const store = await openEmbeddedStore('memory:');
  const { record } = await store.createStudy(spec('s', sampler, n, mixed), 0);
  const client = new StudyClient(store, record, { worker });
  const params = [];
  for (;;) {
    const res = await client.ask();
    if (res.kind !== 'trial') break;
    params.push(res.trial.params);
    await client.tell(res.trial.id, { state: 'COMPLETE', values: [f(res.trial.params)] });
  }
  return { params, state: (await store.getStudy('s'))?.state };
}

describe('StudyClient', () => {
  it('a seeded single-worker run is reproducible (tpe, random)', async () => {
    for (const sampler of [{ name: 'tpe' as const }, { name: 'random' as const }]) {
      const a = await runSequential(sampler, 25);
      const b = await runSequential(sampler, 25);
      expect(a.params).toHaveLength(25);
      expect(a.params).toEqual(b.params);
      expect(a.state).toBe('DONE');
    }
  });

  it('different seeds give different runs', async () => {
    const store = await openEmbeddedStore('memory:');
    const first = await store.createStudy({ ...spec('a', { name: 'random' }, 5, mixed), seed: 1 }, 0);
    const second = await store.createStudy({ ...spec('b', { name: 'random' }, 5, mixed), seed: 2 }, 0);
    const ask = async (r: typeof first.record) => {
      const res = await new StudyClient(store, r, { worker }).ask();
      return res.kind === 'trial' ? res.trial.params : null;
    };
    expect(await ask(first.record)).not.toEqual(await ask(second.record));
  });

  it('a finished grid ends the study DONE with every point evaluated once', async () => {
    const store = await openEmbeddedStore('memory:');
    const space = { a: { _type: 'choice', _value: [1, 2, 3] }, b: { _type: 'step', _value: [0, 1, 0.25] } };
    const { record } = await store.createStudy(spec('g', { name: 'grid' }, 1000, space), 0);
    const client = new StudyClient(store, record, { worker });
    const keys = new Set<string>();
    for (;;) {
      const res = await client.ask();
      if (res.kind !== 'trial') {
        expect(res).toEqual({ kind: 'ended', state: 'DONE' });
        break;
      }
      keys.add(res.trial.paramKey!);
      await client.tell(res.trial.id, { state: 'COMPLETE', values: [1] });
    }
    expect(keys.size).toBe(15);
  });

  it('TPE on a small discrete space: never runs a configuration twice, falls back to free ones, ends DONE', async () => {
    const store = await openEmbeddedStore('memory:');
    const space = { a: { _type: 'randint', _value: [0, 3] }, b: { _type: 'randint', _value: [0, 3] } };
    const { record } = await store.createStudy(spec('d', { name: 'tpe', options: { nStartupTrials: 2 } }, 100, space), 0);
    const client = new StudyClient(store, record, { worker });
    const run: string[] = [];
    for (;;) {
      const res = await client.ask();
      if (res.kind !== 'trial') break;
      run.push(res.trial.paramKey!);
      await client.tell(res.trial.id, { state: 'COMPLETE', values: [f({ x: res.trial.params.a, n: res.trial.params.b, c: 'b' })] });
    }
    expect(run).toHaveLength(9);
    expect(new Set(run).size).toBe(9);
    expect((await store.getStudy('d'))?.state).toBe('DONE');
  });

  it('reads the study once per ask+tell, and takes a trial enqueued by someone else at the next ask', async () => {
    const store = await openEmbeddedStore('memory:');
    const { record } = await store.createStudy(spec('r', { name: 'random' }, 100, mixed), 0);
    const calls = { readChanges: 0, getStudy: 0, claimWaiting: 0 };
    const counted = new Proxy(store, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (prop in calls) calls[prop as keyof typeof calls]++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as Store;
    const client = new StudyClient(counted, record, { worker });
    const askAndTell = async () => {
      const res = await client.ask();
      if (res.kind !== 'trial') throw new Error(res.kind);
      await client.tell(res.trial.id, { state: 'COMPLETE', values: [f(res.trial.params)] });
      return res.trial;
    };
    for (let i = 0; i < 10; i++) await askAndTell();
    // tell reads what changed for the next ask: one read per trial (two only if an ask comes long after its tell)
    expect(calls.readChanges).toBeLessThan(20);
    expect(calls.getStudy).toBe(0);
    expect(calls.claimWaiting).toBe(0);

    const params = { x: 0.5, n: 2, c: 'b' };
    const enqueued = await store.enqueueTrial('r', params, paramKey(parseSearchSpace(mixed), params), 1);
    const next = [await askAndTell(), await askAndTell()];
    expect(next.map((t) => t.id)).toContain(enqueued.id);
    expect(calls.claimWaiting).toBe(1);
  });

  it('maxExecSeconds ends the study TIMEOUT', async () => {
    let now = 1_000;
    const store = await openEmbeddedStore('memory:');
    const { record } = await store.createStudy({ ...spec('t', { name: 'random' }, 100, mixed), limits: { maxExecSeconds: 10 } }, now);
    const client = new StudyClient(store, record, { worker, now: () => now });
    const first = await client.ask();
    expect(first.kind).toBe('trial');
    if (first.kind === 'trial') await client.tell(first.trial.id, { state: 'COMPLETE', values: [1] });
    now += 11_000;
    expect(await client.ask()).toEqual({ kind: 'ended', state: 'TIMEOUT' });
    expect((await store.getStudy('t'))?.state).toBe('TIMEOUT');
  });
});

describe('library API', () => {
  it('optimize with a declared space finds a good point', async () => {
    const study = await createStudy({ searchSpace: mixed, seed: 3, sampler: 'tpe' });
    await study.optimize((trial) => f(trial.params), { nTrials: 40 });
    const best = await study.bestTrial();
    expect(best?.values?.[0]).toBeLessThan(1.5);
    expect(await study.trials()).toHaveLength(40);
  });

  it('define-by-run: suggest* records the params, and a thrown error is FAIL(error)', async () => {
    const study = await createStudy({ seed: 5 });
    await study.optimize(
      (trial) => {
        const x = trial.suggestFloat('x', -3, 3);
        const k = trial.suggestInt('k', 1, 4);
        const c = trial.suggestCategorical('c', ['p', 'q']);
        if (k === 4 && c === 'q') throw new Error('unlucky');
        return (x - 1) ** 2 + k + (c === 'p' ? 0 : 0.5);
      },
      { nTrials: 30 },
    );
    const trials = await study.trials();
    expect(trials).toHaveLength(30);
    for (const t of trials) {
      expect(Object.keys(t.params).sort()).toEqual(['c', 'k', 'x']);
      expect(t.params.k).toBeGreaterThanOrEqual(1);
      expect(t.params.k).toBeLessThanOrEqual(4);
      if (t.state === 'FAIL') expect(t.error).toBe('unlucky');
    }
    expect((await study.bestTrial())?.values?.[0]).toBeLessThan(2.5);
  });

  it("define-by-run, one trial at a time: TPE's in-flight exploration never applies (the trial's own RUNNING record does not count)", async () => {
    const run = async (inFlightExploration: number) => {
      const study = await createStudy({ seed: 9, sampler: { name: 'tpe', options: { inFlightExploration } } });
      await study.optimize((trial) => (trial.suggestFloat('x', -3, 3) - 1) ** 2 + (trial.suggestFloat('y', -3, 3) + 1) ** 2, { nTrials: 30 });
      return (await study.trials()).map((t) => t.params);
    };
    expect(await run(1)).toEqual(await run(0));
  });

  it('ask/tell by hand', async () => {
    const study = await createStudy({ searchSpace: { x: { _type: 'uniform', _value: [0, 1] } }, direction: 'maximize', maxTrials: 3 });
    for (let i = 0; i < 3; i++) {
      const t = (await study.ask())!;
      await study.tell(t, t.params.x as number);
    }
    expect(await study.ask()).toBeNull();
    const trials = await study.trials();
    const best = await study.bestTrial();
    expect(best?.values?.[0]).toBe(Math.max(...trials.map((t) => t.values![0]!)));
  });
});

describe('StudyCache', () => {
  const trial = (number: number, rev: number, state: TrialState): Trial => ({
    id: `t${number}`,
    number,
    study: 's',
    state,
    params: {},
    paramKey: null,
    createdAt: 0,
    rev,
  });
  const states: TrialState[] = ['WAITING', 'RUNNING', 'COMPLETE', 'FAIL'];

  it('keeps the newest copy of every trial, ordered by number, whatever order they arrive in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(40), fc.nat(5), fc.constantFrom(...states)), { maxLength: 120 }),
        (puts) => {
          const cache = new StudyCache({} as Store, 's');
          const newest = new Map<number, Trial>();
          for (const [number, rev, state] of puts) {
            const t = trial(number, rev, state);
            cache.put(t);
            const known = newest.get(number);
            if (!known || known.rev < rev) newest.set(number, t);
          }
          const expected = [...newest.values()].sort((a, b) => a.number - b.number);
          expect(cache.trials()).toEqual(expected);
          expect(cache.size).toBe(expected.length);
          expect(cache.waitingCount).toBe(expected.filter((t) => t.state === 'WAITING').length);
        },
      ),
    );
  });
});
