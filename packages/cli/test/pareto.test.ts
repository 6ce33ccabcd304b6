import { describe, expect, it } from 'vitest';
import { InputError, type StudyRecord, type Trial } from '@swarmtune/core';
import { hypervolumeReport, hypervolumeSvg, paretoReport, paretoSvg, parseReference } from '../src/commands/pareto.js';

function record(constraints?: StudyRecord['spec']['constraints']): StudyRecord {
  return {
    name: 'vi',
    state: 'DONE',
    createdAt: 0,
    formatVersion: 1,
    spec: {
      name: 'vi',
      objectives: [
        { name: 'recall', direction: 'maximize' },
        { name: 'qps', direction: 'maximize' },
      ],
      searchSpace: {},
      sampler: { name: 'random' },
      limits: {},
      ...(constraints ? { constraints } : {}),
    },
  };
}

let n = 0;
function trial(recall: number, qps: number, extra: Partial<Trial> = {}): Trial {
  return { id: `t${n}`, number: n++, study: 'vi', state: 'COMPLETE', params: { ef: n }, paramKey: null, values: [recall, qps], metrics: { recall, qps }, createdAt: 0, rev: 1, ...extra };
}

describe('report pareto / hypervolume', () => {
  const trials = [trial(0.95, 100), trial(0.99, 50), trial(0.8, 900), trial(0.93, 80), trial(0.99, 50, { reusedFrom: 1 }), trial(0.97, 0, { state: 'FAIL' })];

  it('the front holds only feasible, non-dominated trials that ran', () => {
    const report = paretoReport(record([{ metric: 'recall', op: '>=', bound: 0.9 }]), trials);
    expect(report.front.map((t) => t.number)).toEqual([0, 1]);
    expect(report).toMatchObject({ complete: 4, feasible: 3, constraints: ['recall >= 0.9'] });
    expect(report.note).toBeUndefined();
    const svg = paretoSvg(record(), trials, report);
    expect(svg.match(/<circle/g)).toHaveLength(4);
  });

  it('says so when no trial met the constraints', () => {
    const report = paretoReport(record([{ metric: 'recall', op: '>=', bound: 0.999 }]), trials);
    expect(report.front).toEqual([]);
    expect(report.note).toMatch(/none of the 4 COMPLETE trials met the constraints \(recall >= 0.999\)/);
    expect(hypervolumeReport(record([{ metric: 'recall', op: '>=', bound: 0.999 }]), trials).history).toEqual([]);
  });

  it('hypervolume history against a given reference, in the objectives\' own directions', () => {
    const report = hypervolumeReport(record([{ metric: 'recall', op: '>=', bound: 0.9 }]), trials, parseReference('0.9, 0', 2));
    // #0: (0.95-0.9)*100 = 5; #1 adds (0.99-0.95)*50 = 2; #3 is dominated by #0.
    expect(report.history.map((p) => [p.trial, Number(p.hypervolume.toFixed(9))])).toEqual([
      [0, 5],
      [1, 7],
      [5, 7],
    ]);
    expect(hypervolumeSvg(report)).toMatch(/<path d="M/);
    expect(() => parseReference('1', 2)).toThrow(InputError);
    expect(() => hypervolumeReport({ ...record(), spec: { ...record().spec, objectives: [{ name: 'v', direction: 'minimize' }] } }, trials)).toThrow(/2 or 3 objectives/);
  });
});
