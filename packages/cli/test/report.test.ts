import { describe, expect, it } from 'vitest';
import type { Trial } from '@swarmtune/core';
import { hostStats } from '../src/commands/report.js';

let n = 0;
function trial(host: string, worker: string, start: number, seconds: number, extra: Partial<Trial> = {}): Trial {
  return {
    id: `t${n}`, number: n++, study: 's', state: 'COMPLETE', params: {}, paramKey: null, values: [1], createdAt: start,
    startedAt: start, finishedAt: start + seconds * 1000, host, workerId: worker, pid: 1, rev: 1, ...extra,
  };
}

describe('report hosts', () => {
  it('per host: mean, median, count, workers, trials per hour; fastest first; reused and failed trials left out', () => {
    const trials = [
      trial('slow', 'w1', 0, 4),
      trial('slow', 'w1', 4_000, 6),
      trial('slow', 'w2', 0, 8),
      trial('fast', 'w3', 0, 1),
      trial('fast', 'w3', 1_000, 2),
      trial('fast', 'w3', 3_000, 1, { reusedFrom: 3 }),
      trial('fast', 'w3', 3_000, 100, { state: 'FAIL', values: undefined }),
    ];
    const stats = hostStats(trials);
    expect(stats.map((s) => s.host)).toEqual(['fast', 'slow']);
    const [fast, slow] = stats;
    expect(fast).toMatchObject({ complete: 2, workers: 1, meanSeconds: 1.5, medianSeconds: 1.5 });
    expect(fast!.trialsPerHour).toBeCloseTo(2 / (3 / 3600));
    expect(slow).toMatchObject({ complete: 3, workers: 2, meanSeconds: 6, medianSeconds: 6 });
    expect(slow!.trialsPerHour).toBeCloseTo(3 / (10 / 3600));
  });
});
