import { describe, expect, it } from 'vitest';
import { InputError, createPruner, type IntermediateValue, type Trial, type TrialState } from '@swarmtune/core';

let counter = 0;
function trial(state: TrialState, values: number[], startStep = 0): Trial {
  const intermediate: IntermediateValue[] = values.map((value, i) => ({ step: startStep + i, value }));
  return { id: `t${counter++}`, number: counter, study: 's', state, params: {}, paramKey: null, intermediate, createdAt: 0, rev: 1 };
}

describe('median and percentile pruners', () => {
  const complete = [trial('COMPLETE', [1, 0.8, 0.6]), trial('COMPLETE', [1, 0.6, 0.4]), trial('COMPLETE', [1, 0.4, 0.2])];

  it('prune when the best value so far is worse than the median of COMPLETE trials at the step', () => {
    const median = createPruner({ name: 'median', options: { nStartupTrials: 3 } })!;
    const judge = (values: number[], direction: 'minimize' | 'maximize' = 'minimize', trials = complete) => {
      const t = trial('RUNNING', values);
      return median.shouldPrune({ trial: t, step: values.length - 1, trials: [...trials, t], direction });
    };
    expect(judge([1, 0.61])).toBe(true); // median at step 1 is 0.6
    expect(judge([1, 0.6])).toBe(false);
    expect(judge([0.5, 0.9])).toBe(false); // its best so far (0.5) beats the median at step 1
    expect(judge([1, 0.61], 'minimize', complete.slice(0, 2))).toBe(false); // fewer than nStartupTrials COMPLETE
    expect(judge([0.3, 0.59], 'maximize')).toBe(true); // its best (0.59) is below the median 0.6
    expect(judge([0.3, 0.61], 'maximize')).toBe(false);
  });

  it('honour the warm-up (NNI start_step) and the percentile', () => {
    const warm = createPruner({ name: 'median', options: { nStartupTrials: 0, nWarmupSteps: 2 } })!;
    const t = trial('RUNNING', [9, 9]);
    expect(warm.shouldPrune({ trial: t, step: 1, trials: [...complete, t], direction: 'minimize' })).toBe(false);
    const p25 = createPruner({ name: 'percentile', options: { percentile: 25, nStartupTrials: 0 } })!;
    const u = trial('RUNNING', [1, 0.55]);
    // 25th percentile of [0.4, 0.6, 0.8] is 0.5
    expect(p25.shouldPrune({ trial: u, step: 1, trials: [...complete, u], direction: 'minimize' })).toBe(true);
  });

  it('reject unknown pruners and bad options, naming where', () => {
    expect(createPruner({ name: 'none' })).toBeNull();
    expect(() => createPruner({ name: 'hyperband' as never }, 'exp.yaml: pruner')).toThrow(/exp.yaml: pruner.name.*median/);
    expect(() => createPruner({ name: 'percentile', options: {} })).toThrow(InputError);
    expect(() => createPruner({ name: 'asha', options: { reductionFactor: 1 } })).toThrow(/pruner.options.reductionFactor/);
  });
});

describe('asha', () => {
  it('decides only when a rung is reached, against every trial that reached it', () => {
    const asha = createPruner({ name: 'asha', options: { minResource: 2, reductionFactor: 3 } })!; // rungs 2, 6, 18
    const others = [0.1, 0.2, 0.3, 0.4, 0.5].map((v) => trial('PRUNED', [1, 1, v]));
    const judge = (values: number[]) => {
      const t = trial('RUNNING', values);
      return asha.shouldPrune({ trial: t, step: values.length - 1, trials: [...others, t], direction: 'minimize' });
    };
    // At rung 0 (step 2) there are 6 values: the best floor(6/3) = 2 go on: 0.1, 0.2 (and a tie).
    expect(judge([1, 1, 0.2])).toBe(false);
    expect(judge([1, 1, 0.25])).toBe(true);
    expect(judge([1, 1, 0.2, 9])).toBe(false); // step 3: no rung reached, no decision
  });
});
