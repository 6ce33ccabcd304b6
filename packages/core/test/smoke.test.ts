import { describe, expect, it } from 'vitest';
import { countsTowardBudget, type Trial } from '@swarmtune/core';

describe('model', () => {
  it('reused trials do not use up the budget', () => {
    const t = { state: 'COMPLETE', reusedFrom: 3 } as Trial;
    expect(countsTowardBudget(t)).toBe(false);
    expect(countsTowardBudget({ ...t, reusedFrom: undefined })).toBe(true);
  });
});
