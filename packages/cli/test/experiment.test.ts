import { describe, expect, it } from 'vitest';
import { InputError } from '@swarmtune/core';
import { parseExperiment } from '../src/experiment.js';

const objective = `
objective:
  type: command
  command: python3 train.py --lr {{learning_rate}}
`;

describe('experiment file', () => {
  it('accepts the AutoTuneExperiment resource as it is written in seed 004', () => {
    const text = `
apiVersion: tensorstack.dev/v1beta1
kind: AutoTuneExperiment
metadata:
  name: experiment-sample
spec:
  maxExecSeconds: 7200
  maxTrialNum: 50
  trialConcurrency: 3
  searchSpace: |-
    {
      "batch_size": {"_type": "choice", "_value": [512, 1024, 2048, 4096, 8092]},
      "learning_rate": {"_type": "choice", "_value": [0.0001, 0.001, 0.01, 0.1]}
    }
  tuner:
    builtinTunerName: TPE
    classArgs: |-
      {
        "optimize_mode": "maximize",
        "constant_liar_type": "min"
      }
${objective.replace(/^/gm, '  ')}
`;
    const { spec } = parseExperiment(text, 'e.yaml', '/x');
    expect(spec.name).toBe('experiment-sample');
    expect(spec.limits).toEqual({ maxTrials: 50, maxExecSeconds: 7200, trialConcurrency: 3 });
    expect(spec.sampler).toEqual({ name: 'tpe', options: { constantLiar: true } });
    expect(spec.objectives).toEqual([{ name: 'value', direction: 'maximize' }]);
    expect(Object.keys(spec.searchSpace).sort()).toEqual(['batch_size', 'learning_rate']);
  });

  it("swarmtune's own spelling", () => {
    const { spec, store } = parseExperiment(
      `
name: own
store: redis://127.0.0.1:7000/0
objectives: [{ name: loss, direction: minimize }, { name: qps, direction: maximize }]
searchSpace:
  learning_rate: { _type: loguniform, _value: [0.0001, 0.1] }
sampler: { name: tpe, multivariate: true, nStartupTrials: 5 }
limits: { maxTrials: 20 }
seed: 4
${objective}`,
      'e.yaml',
      '/x',
    );
    expect(store).toBe('redis://127.0.0.1:7000/0');
    expect(spec.sampler).toEqual({ name: 'tpe', options: { multivariate: true, nStartupTrials: 5 } });
    expect(spec.objectives.map((o) => o.direction)).toEqual(['minimize', 'maximize']);
    expect(spec.seed).toBe(4);
  });

  it.each([
    ['GridSearch', 'grid'],
    ['Random', 'random'],
  ])('NNI tuner %s maps to %s', (nni, ours) => {
    const { spec } = parseExperiment(
      `name: n\nsearchSpace: { learning_rate: { _type: choice, _value: [1, 2] } }\ntuner: { builtinTunerName: ${nni} }\n${objective}`,
      'e.yaml',
      '/x',
    );
    expect(spec.sampler.name).toBe(ours);
  });

  it.each([
    ['name: n\nsearchSpace: {}\nsampler: tpe\ntuner: { builtinTunerName: TPE }\n', 'tuner'],
    ['name: "bad name!"\nsearchSpace: {}\n', 'name'],
    ['name: n\nsearchSpace: {}\nlimits: { maxTrials: 0 }\n', 'limits.maxTrials'],
    ['name: n\nsearchSpace: {}\ntuner: { builtinTunerName: TPE, classArgs: "{not json" }\n', 'tuner.classArgs'],
    ['name: n\nsearchSpace: {}\ntuner: { builtinTunerName: TPE, classArgs: { optimize_mode: sideways } }\n', 'tuner.classArgs.optimize_mode'],
    ['name: n\nsearchSpace: "{not json"\n', 'searchSpace'],
    ['name: n\nsearchSpace: {}\nobjectives: []\n', 'objectives'],
  ])('bad input names the field: %s', (head, field) => {
    const text = head + (head.includes('objective:') ? '' : objective);
    let error: unknown;
    try {
      parseExperiment(text, 'e.yaml', '/x');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).where).toContain(field);
  });

  it('a Kubernetes trainingConfig without an objective says what to write instead', () => {
    expect(() =>
      parseExperiment('kind: AutoTuneExperiment\nmetadata: { name: k }\nspec:\n  searchSpace: {}\n  trainingConfig: { type: tensorflow }\n', 'e.yaml', '/x'),
    ).toThrow(/objective/);
  });
});
