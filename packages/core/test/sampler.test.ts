import { describe, expect, it } from 'vitest';
import {
  InputError,
  createRng,
  createSampler,
  enumerateSpace,
  paramKey,
  parseSearchSpace,
  spaceSize,
  type Params,
  type SamplerContext,
  type Trial,
  type TrialState,
} from '@swarmtune/core';

let counter = 0;
function trial(number: number, params: Params, state: TrialState, value?: number, paramKey: string | null = null): Trial {
  return {
    id: `t${number}-${counter++}`,
    number,
    study: 's',
    state,
    params,
    paramKey,
    ...(value === undefined ? {} : { values: [value] }),
    createdAt: 0,
    rev: 1,
  };
}

const objectives = [{ name: 'y', direction: 'minimize' as const }];

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

describe('createSampler', () => {
  it('rejects unknown names and bad options, naming the field', () => {
    expect(inputError(() => createSampler({ name: 'hyperband' as 'tpe' })).where).toBe('sampler.name');
    expect(inputError(() => createSampler({ name: 'tpe', options: { nStartupTrials: -1 } })).where).toBe('sampler.options.nStartupTrials');
    expect(inputError(() => createSampler({ name: 'tpe', options: { gamma: 2 } })).where).toBe('sampler.options.gamma');
    expect(inputError(() => createSampler({ name: 'tpe', options: { multivariat: true } })).where).toBe('sampler.options.multivariat');
    expect(inputError(() => createSampler({ name: 'grid', options: { x: 1 } })).where).toBe('sampler.options.x');
    expect(createSampler({ name: 'tpe', options: { multivariate: true, constantLiar: true } }).name).toBe('tpe');
  });
});

describe('random sampler', () => {
  it('is reproducible for a seed and gives canonical params', () => {
    const space = parseSearchSpace({ a: { _type: 'uniform', _value: [0, 1] }, b: { _type: 'choice', _value: ['x', 'y'] } });
    const sampler = createSampler({ name: 'random' });
    const ctx = (seed: number): SamplerContext => ({ space, objectives, trials: [], rng: createRng(seed) });
    const p = sampler.sample(ctx(3))!;
    expect(sampler.sample(ctx(3))).toEqual(p);
    expect(Object.keys(p)).toEqual(['a', 'b']);
    expect(paramKey(space, p)).toBe(`{"a":${p.a},"b":"${p.b}"}`);
    expect(sampler.sampleParam('a', space.a!, ctx(1))).toBeTypeOf('number');
  });
});

describe('grid sampler', () => {
  const space = parseSearchSpace({
    lr: { _type: 'choice', _value: [0.1, 0.01] },
    n: { _type: 'randint', _value: [1, 3] },
    s: { _type: 'step', _value: [0.5, 1.5, 0.5] },
  });
  const grid = createSampler({ name: 'grid' });
  const run = (trials: Trial[]) => grid.sample({ space, objectives, trials, rng: createRng(0) });

  it('proposes every point once in enumerate order, then null; FAIL points come back', () => {
    const order = [...enumerateSpace(space)];
    expect(order).toHaveLength(spaceSize(space));
    const trials: Trial[] = [];
    const states = ['RUNNING', 'COMPLETE', 'WAITING'] as const;
    for (let i = 0; i < order.length; i++) {
      const p = run(trials)!;
      expect(p).toEqual(order[i]);
      trials.push(trial(i, p, states[i % 3]!, i % 3 === 1 ? 1 : undefined, i % 2 === 0 ? paramKey(space, p) : null));
    }
    expect(run(trials)).toBeNull();
    trials[4] = { ...trials[4]!, state: 'FAIL' };
    expect(run(trials)).toEqual(order[4]);
  });

  it('skips RUNNING and COMPLETE points anywhere in the grid', () => {
    const order = [...enumerateSpace(space)];
    const trials = [trial(0, order[0]!, 'RUNNING'), trial(1, order[1]!, 'COMPLETE', 3), trial(2, order[2]!, 'PRUNED')];
    expect(run(trials)).toEqual(order[2]);
  });

  it('refuses a continuous space naming the parameter, and define-by-run', () => {
    const continuous = parseSearchSpace({ a: { _type: 'choice', _value: [1] }, lr: { _type: 'loguniform', _value: [1e-4, 1] } });
    const err = inputError(() => grid.sample({ space: continuous, objectives, trials: [], rng: createRng(0) }));
    expect(err.where).toBe('searchSpace.lr');
    expect(err.problem).toMatch(/loguniform/);
    expect(() => grid.sampleParam('a', continuous.a!, { space: continuous, objectives, trials: [], rng: createRng(0) })).toThrow(InputError);
  });
});
