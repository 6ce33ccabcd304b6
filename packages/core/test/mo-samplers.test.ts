import { describe, expect, it } from 'vitest';
import {
  InputError,
  createRng,
  createSampler,
  hypervolume,
  paretoFront,
  parseSearchSpace,
  validateParams,
  type ObjectiveSpec,
  type SamplerConfig,
  type Trial,
} from '@swarmtune/core';

const objectives: ObjectiveSpec[] = [
  { name: 'f1', direction: 'minimize' },
  { name: 'f2', direction: 'minimize' },
];
const space = parseSearchSpace({
  x: { _type: 'uniform', _value: [0, 1] },
  y: { _type: 'uniform', _value: [0, 1] },
  z: { _type: 'uniform', _value: [0, 1] },
  k: { _type: 'randint', _value: [0, 5] },
  c: { _type: 'choice', _value: ['a', 'b'] },
});

/** ZDT1 on x, y, z; k and c only add noise-free penalties, so good samplers learn them too. */
function evaluate(p: Record<string, unknown>): number[] {
  const x = p.x as number;
  const g = 1 + 4.5 * ((p.y as number) + (p.z as number)) + 0.1 * (p.k as number) + (p.c === 'b' ? 0.2 : 0);
  return [x, g * (1 - Math.sqrt(x / g))];
}

function run(config: SamplerConfig, n: number, seed: number, constraints?: Array<{ metric: string; op: '>=' | '<='; bound: number }>): Trial[] {
  const sampler = createSampler(config);
  const trials: Trial[] = [];
  for (let i = 0; i < n; i++) {
    const params = sampler.sample({ space, objectives, ...(constraints ? { constraints } : {}), trials, rng: createRng(`${seed}:${i}`) })!;
    validateParams(space, params);
    const values = evaluate(params);
    trials.push({ id: `t${i}`, number: i, study: 's', state: 'COMPLETE', params, paramKey: null, values, metrics: { x: params.x as number }, createdAt: 0, rev: 1 });
  }
  return trials;
}

const hv = (trials: Trial[]) => hypervolume(paretoFront(trials, objectives).map((t) => t.values!), [1.1, 8]);

describe('multi-objective samplers', () => {
  it('nsga2 and multi-objective TPE reach a larger hypervolume than random search', () => {
    const seeds = [1, 2, 3];
    const median = (config: SamplerConfig) => seeds.map((s) => hv(run(config, 120, s))).sort((a, b) => a - b)[1]!;
    const random = median({ name: 'random' });
    expect(median({ name: 'nsga2' })).toBeGreaterThan(random);
    expect(median({ name: 'nsga2', options: { crossover: 'sbx', mutation: 'polynomial' } })).toBeGreaterThan(random);
    expect(median({ name: 'tpe', options: { nStartupTrials: 10 } })).toBeGreaterThan(random);
  });

  it('nsga2 and TPE prefer feasible regions under a constraint', () => {
    const constraints = [{ metric: 'x', op: '>=' as const, bound: 0.7 }];
    for (const config of [{ name: 'nsga2' }, { name: 'tpe', options: { nStartupTrials: 10 } }] as SamplerConfig[]) {
      const trials = run(config, 80, 5, constraints);
      const late = trials.slice(40).filter((t) => (t.params.x as number) >= 0.7).length;
      // Random search would put 30% of them there.
      expect(late, config.name).toBeGreaterThan(0.5 * 40);
    }
  });

  it('anneal and evolution propose valid params and improve on their start', () => {
    for (const config of [{ name: 'anneal' }, { name: 'evolution', options: { populationSize: 8 } }] as SamplerConfig[]) {
      const one: ObjectiveSpec[] = [{ name: 'v', direction: 'minimize' }];
      const sampler = createSampler(config);
      const trials: Trial[] = [];
      for (let i = 0; i < 60; i++) {
        const params = sampler.sample({ space, objectives: one, trials, rng: createRng(`a:${i}`) })!;
        validateParams(space, params);
        const v = (params.x as number) ** 2 + (params.y as number) + (params.k as number) * 0.1;
        trials.push({ id: `t${i}`, number: i, study: 's', state: 'COMPLETE', params, paramKey: null, values: [v], createdAt: 0, rev: 1 });
      }
      const mean = (ts: Trial[]) => ts.reduce((a, t) => a + t.values![0]!, 0) / ts.length;
      expect(mean(trials.slice(40)), config.name).toBeLessThan(mean(trials.slice(0, 10)));
    }
  });

  it('rejects bad options naming the option', () => {
    expect(() => createSampler({ name: 'nsga2', options: { populationSize: 1 } })).toThrow(/sampler.options.populationSize/);
    expect(() => createSampler({ name: 'nsga2', options: { mutation: 'gaussian' } })).toThrow(/sampler.options.mutation/);
    expect(() => createSampler({ name: 'evolution', options: { bogus: 1 } })).toThrow(InputError);
    expect(() => createSampler({ name: 'anneal', options: { shrinkCoef: -1 } })).toThrow(/shrinkCoef/);
  });
});
