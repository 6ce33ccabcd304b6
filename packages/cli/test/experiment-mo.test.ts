import { describe, expect, it } from 'vitest';
import { InputError } from '@swarmtune/core';
import { parseExperiment } from '../src/experiment.js';

const base = `name: n
searchSpace: { lr: { _type: uniform, _value: [0, 1] } }
objective: { type: command, command: "node train.mjs" }
`;

function whereOf(text: string): string {
  try {
    parseExperiment(text, 'e.yaml', '/x');
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('experiment file: objectives, constraints, pruners', () => {
  it('reads constraints and a pruner', () => {
    const { spec } = parseExperiment(
      `${base}objectives: [{ name: recall, direction: maximize }, { name: qps, direction: maximize }]
constraints: ["recall >= 0.9", { metric: p95_ms, op: "<=", bound: 20 }]
pruner: { name: asha, reductionFactor: 3 }
sampler: { name: nsga2, populationSize: 16 }
`,
      'e.yaml',
      '/x',
    );
    expect(spec.constraints).toEqual([
      { metric: 'recall', op: '>=', bound: 0.9 },
      { metric: 'p95_ms', op: '<=', bound: 20 },
    ]);
    expect(spec.pruner).toEqual({ name: 'asha', options: { reductionFactor: 3 } });
    expect(spec.sampler).toEqual({ name: 'nsga2', options: { populationSize: 16 } });
  });

  it('maps NNI assessor Medianstop (start_step) and tuners Anneal and Evolution (population_size)', () => {
    const { spec } = parseExperiment(
      `${base}tuner: { builtinTunerName: Evolution, classArgs: '{"optimize_mode": "maximize", "population_size": 32}' }
assessor: { builtinAssessorName: Medianstop, classArgs: '{"optimize_mode": "maximize", "start_step": 3}' }
`,
      'e.yaml',
      '/x',
    );
    expect(spec.sampler).toEqual({ name: 'evolution', options: { populationSize: 32 } });
    expect(spec.pruner).toEqual({ name: 'median', options: { nWarmupSteps: 3 } });
    expect(spec.objectives[0]!.direction).toBe('maximize');
    expect(parseExperiment(`${base}tuner: { builtinTunerName: Anneal }\n`, 'e.yaml', '/x').spec.sampler.name).toBe('anneal');
  });

  it('names what is wrong and where', () => {
    expect(whereOf(`${base}constraints: ["recall > 0.9"]\n`)).toMatch(/^e.yaml: constraints\[0\]/);
    expect(whereOf(`${base}pruner: { name: asha, reductionFactor: 1 }\n`)).toMatch(/^e.yaml: pruner.options.reductionFactor/);
    expect(whereOf(`${base}pruner: hyperband\n`)).toMatch(/^e.yaml: pruner/);
    expect(whereOf(`${base}assessor: { builtinAssessorName: Curvefitting }\n`)).toMatch(
      /^e.yaml: assessor.builtinAssessorName: "Curvefitting" is not supported; supported: Medianstop/,
    );
    expect(whereOf(`${base}tuner: { builtinTunerName: MetisTuner }\n`)).toMatch(/supported: TPE, Random, GridSearch, Anneal, Evolution/);
    expect(whereOf(`${base}pruner: median\nassessor: { builtinAssessorName: Medianstop }\n`)).toMatch(/^e.yaml: assessor/);
    expect(whereOf(`${base}assessor: { builtinAssessorName: Medianstop, classArgs: { start_step: -1 } }\n`)).toMatch(/assessor.classArgs.start_step/);
  });
});
