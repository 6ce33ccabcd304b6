import { describe, expect, it } from 'vitest';
import {
  createRng,
  createSampler,
  InputError,
  paramKey,
  parseSearchSpace,
  type ConstraintSpec,
  type ObjectiveSpec,
  type Params,
  type Trial,
} from '../src/index.js';

const space = parseSearchSpace({
  MAX_BATCH: { _type: 'choice', _value: [4, 8, 16, 32] },
  QUANT: { _type: 'choice', _value: ['fp16', 'int8'] },
});
const objectives: ObjectiveSpec[] = [{ name: 'tps', direction: 'maximize' }];

/** The example service's shape: bigger batches and int8 are faster; both cost accuracy. */
function evaluate(p: Params): { tps: number; accuracy: number } {
  const batch = p.MAX_BATCH as number;
  const int8 = p.QUANT === 'int8';
  return { tps: batch * (int8 ? 1.5 : 1), accuracy: 0.9 - (batch > 16 ? 0.01 * Math.log2(batch / 16) : 0) - (int8 ? 0.03 : 0) };
}

function trial(n: number, params: Params, state: Trial['state'] = 'COMPLETE'): Trial {
  const m = evaluate(params);
  return {
    id: `t${n}`,
    number: n,
    study: 's',
    state,
    params,
    paramKey: paramKey(space, params),
    ...(state === 'COMPLETE' ? { values: [m.tps], metrics: { tps: m.tps, accuracy: m.accuracy } } : {}),
    createdAt: n,
    rev: 1,
  };
}

/** Runs the sampler to the end, one trial at a time; returns the proposals in order. */
function walk(options: Record<string, unknown>, constraints?: ConstraintSpec[]): Params[] {
  const sampler = createSampler({ name: 'coordinate', options });
  const trials: Trial[] = [];
  for (let i = 0; i < 50; i++) {
    const params = sampler.sample({ space, objectives, trials, rng: createRng(`r${i}`), ...(constraints ? { constraints } : {}) });
    if (params === null) return trials.map((t) => t.params);
    trials.push(trial(i, params));
  }
  throw new Error('the sampler never finished');
}

describe('coordinate sampler', () => {
  it('walks the groups in order from the base, keeping the best value of each group', () => {
    const proposals = walk({ order: ['QUANT', 'MAX_BATCH'], base: { MAX_BATCH: 8 } });
    expect(proposals).toEqual([
      { MAX_BATCH: 8, QUANT: 'fp16' }, // base
      { MAX_BATCH: 8, QUANT: 'int8' }, // QUANT group: int8 is faster
      { MAX_BATCH: 4, QUANT: 'int8' }, // MAX_BATCH group from {QUANT: int8}; 8 is already known
      { MAX_BATCH: 16, QUANT: 'int8' },
      { MAX_BATCH: 32, QUANT: 'int8' },
    ]);
  });

  it('keeps only feasible values under a threshold constraint (accuracy >= 0.88)', () => {
    const proposals = walk({ order: ['QUANT', 'MAX_BATCH'], base: { MAX_BATCH: 8 } }, [{ metric: 'accuracy', op: '>=', bound: 0.88 }]);
    // int8 (accuracy 0.87) is infeasible, so the MAX_BATCH group starts from fp16 and 32 (0.89) stays feasible.
    expect(proposals.slice(2)).toEqual([
      { MAX_BATCH: 4, QUANT: 'fp16' },
      { MAX_BATCH: 16, QUANT: 'fp16' },
      { MAX_BATCH: 32, QUANT: 'fp16' },
    ]);
  });

  it('waits (null) for the running candidates of a group before moving on, and hands out the others meanwhile', () => {
    const sampler = createSampler({ name: 'coordinate', options: { order: ['QUANT', 'MAX_BATCH'], base: { MAX_BATCH: 8 } } });
    const ctx = (trials: Trial[]) => ({ space, objectives, trials, rng: createRng('x') });
    const first = sampler.sample(ctx([]))!;
    const second = sampler.sample(ctx([trial(0, first, 'RUNNING')]))!;
    expect(second).toEqual({ MAX_BATCH: 8, QUANT: 'int8' });
    expect(sampler.sample(ctx([trial(0, first, 'RUNNING'), trial(1, second, 'COMPLETE')]))).toBeNull();
    expect(sampler.sample(ctx([trial(0, first, 'COMPLETE'), trial(1, second, 'COMPLETE')]))).toEqual({ MAX_BATCH: 4, QUANT: 'int8' });
  });

  it('spreads at most maxCandidates values over a large or continuous range', () => {
    const wide = parseSearchSpace({ lr: { _type: 'loguniform', _value: [0.0001, 1] } });
    const sampler = createSampler({ name: 'coordinate', options: { maxCandidates: 5 } });
    const trials: Trial[] = [];
    for (let i = 0; i < 10; i++) {
      const p = sampler.sample({ space: wide, objectives, trials, rng: createRng('y') });
      if (!p) break;
      trials.push({ ...trial(i, { MAX_BATCH: 4, QUANT: 'fp16' }), params: p, paramKey: paramKey(wide, p), values: [p.lr as number] });
    }
    expect(trials.map((t) => t.params.lr)).toEqual([0.01, 0.0001, 0.001, 0.1, 1]);
  });

  it('rejects unknown options and params that are not in the space', () => {
    expect(() => createSampler({ name: 'coordinate', options: { ordr: [] } })).toThrow(/sampler\.options\.ordr/);
    const sampler = createSampler({ name: 'coordinate', options: { base: { MAX_BATCH: 5 } } });
    expect(() => sampler.sample({ space, objectives, trials: [], rng: createRng('z') })).toThrow(InputError);
  });
});
