import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InputError,
  bestTrial,
  constraintViolation,
  dominates,
  hypervolume,
  hypervolumeHistory,
  nonDominatedSort,
  paretoFront,
  parseConstraint,
  rankTrials,
  referencePoint,
  type ObjectiveSpec,
  type Trial,
} from '@swarmtune/core';

let counter = 0;
function complete(number: number, values: number[], metrics: Record<string, number> = {}): Trial {
  return { id: `t${counter++}`, number, study: 's', state: 'COMPLETE', params: {}, paramKey: null, values, metrics, createdAt: 0, rev: 1 };
}

describe('hypervolume', () => {
  it('matches hand-computed areas in 2D', () => {
    // Staircase of (1,3), (2,2), (3,1) against (4,4): 3*1 + 2*1 + 1*1 = 6.
    expect(hypervolume([[1, 3], [2, 2], [3, 1]], [4, 4])).toBe(6);
    // A dominated point and a point outside the reference add nothing.
    expect(hypervolume([[1, 3], [2, 2], [3, 1], [3, 3], [5, 0]], [4, 4])).toBe(6);
    expect(hypervolume([[0.5, 0.5]], [1, 2])).toBeCloseTo(0.75, 12);
    expect(hypervolume([], [1, 1])).toBe(0);
  });

  it('matches hand-computed volumes in 3D', () => {
    expect(hypervolume([[0, 0, 0]], [1, 2, 3])).toBe(6);
    // Two boxes [0,2]x[0,1]x[0,1] style: (1,0,0) gives 1*2*2=4 against (2,2,2); (0,1,0) gives 2*1*2=4; overlap
    // [1,2]x[1,2]x[0,2] = 2; union 6. Adding (0,0,1): box 2*2*1 = 4, its overlap with the union is the part
    // z in [1,2] of the union = 3 -> total 7.
    expect(hypervolume([[1, 0, 0], [0, 1, 0]], [2, 2, 2])).toBe(6);
    expect(hypervolume([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [2, 2, 2])).toBe(7);
  });

  it('agrees with a Monte-Carlo-free grid count on random 3D fronts', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })), { maxLength: 8 }), (pts) => {
        // Integer points: count unit cells [x,x+1]x[y,y+1]x[z,z+1] below (6,6,6) dominated by some point.
        let cells = 0;
        for (let x = 0; x < 6; x++) for (let y = 0; y < 6; y++) for (let z = 0; z < 6; z++) {
          if (pts.some(([a, b, c]) => a <= x && b <= y && c <= z)) cells++;
        }
        expect(hypervolume(pts, [6, 6, 6])).toBe(cells);
      }),
      { numRuns: 100 },
    );
  });
});

describe('non-dominated sorting', () => {
  it('matches a brute-force check on random sets', () => {
    const point = fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 2, maxLength: 3 });
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 3 }), fc.array(point, { maxLength: 30 }), (m, raw) => {
        const pts = raw.map((p) => Array.from({ length: m }, (_, i) => p[i % p.length]!));
        const fronts = nonDominatedSort(pts);
        expect(fronts.flat().sort((a, b) => a - b)).toEqual(pts.map((_, i) => i));
        // Brute force: rank = 0 if nothing dominates it, else 1 + max rank of its dominators.
        const rank = new Array<number>(pts.length).fill(-1);
        const rankOf = (i: number): number => {
          if (rank[i]! >= 0) return rank[i]!;
          let r = 0;
          for (let j = 0; j < pts.length; j++) if (dominates(pts[j]!, pts[i]!)) r = Math.max(r, rankOf(j) + 1);
          return (rank[i] = r);
        };
        fronts.forEach((front, f) => front.forEach((i) => expect(rankOf(i)).toBe(f)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('constraints', () => {
  const objectives: ObjectiveSpec[] = [
    { name: 'recall', direction: 'maximize' },
    { name: 'qps', direction: 'maximize' },
  ];
  const constraints = [parseConstraint('recall >= 0.9', 'c[0]'), parseConstraint('p95_ms <= 20', 'c[1]')];

  it('parses the text form and rejects bad input by position', () => {
    expect(constraints[0]).toEqual({ metric: 'recall', op: '>=', bound: 0.9 });
    expect(() => parseConstraint('recall > 0.9', 'constraints[2]')).toThrow(InputError);
    expect(() => parseConstraint('recall > 0.9', 'constraints[2]')).toThrow(/constraints\[2\]/);
  });

  it('orders feasible before infeasible and infeasible by total violation', () => {
    const a = complete(0, [0.95, 100], { p95_ms: 10 }); // feasible, dominated by b
    const b = complete(1, [0.97, 200], { p95_ms: 15 }); // feasible
    const c = complete(2, [0.5, 9000], { p95_ms: 5 }); // violation 0.4
    const d = complete(3, [0.89, 9000], { p95_ms: 25 }); // violation 0.01 + 5
    const e = complete(4, [0.85, 9000], { p95_ms: 19 }); // violation 0.05
    const f = complete(5, [0.99, 9000], {}); // p95_ms missing: infinite violation
    expect(constraintViolation(d, constraints, objectives)).toBeCloseTo(5.01, 12);
    const order = rankTrials([a, b, c, d, e, f], objectives, constraints).map((r) => r.trial.number);
    expect(order).toEqual([1, 0, 4, 2, 3, 5]);
    expect(paretoFront([a, b, c, d, e, f], objectives, constraints).map((t) => t.number)).toEqual([1]);
    expect(bestTrial([a, b, c, d, e, f], objectives, constraints)?.number).toBe(1);
    expect(bestTrial([c, d], objectives, constraints)).toBeUndefined();
  });

  it('ranks random trials feasible first, by front, and infeasible by total violation (property)', () => {
    const trialArb = fc.record({
      recall: fc.integer({ min: 80, max: 100 }).map((v) => v / 100),
      qps: fc.integer({ min: 0, max: 5 }).map((v) => v * 100),
      p95: fc.option(fc.integer({ min: 10, max: 30 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(trialArb, { maxLength: 25 }), (raw) => {
        const trials = raw.map((r, i) => complete(i, [r.recall, r.qps], r.p95 === undefined ? {} : { p95_ms: r.p95 }));
        const violation = (t: Trial) => {
          const p95 = t.metrics?.p95_ms;
          return p95 === undefined ? Infinity : Math.max(0, 0.9 - t.values![0]!) + Math.max(0, p95 - 20);
        };
        const order = rankTrials(trials, objectives, constraints).map((r) => r.trial);
        expect(order.map((t) => t.number).sort((a, b) => a - b)).toEqual(trials.map((t) => t.number));
        const feasible = order.filter((t) => violation(t) === 0);
        // every feasible trial first, then the infeasible ones by non-decreasing violation
        expect(order.slice(0, feasible.length)).toEqual(feasible);
        const rest = order.slice(feasible.length).map(violation);
        for (let i = 1; i < rest.length; i++) expect(rest[i]).toBeGreaterThanOrEqual(rest[i - 1]!);
        // feasible ones in front order: no trial is dominated by a feasible trial placed after it
        const dominatesMax = (a: Trial, b: Trial) => dominates([-a.values![0]!, -a.values![1]!], [-b.values![0]!, -b.values![1]!]);
        feasible.forEach((t, i) => feasible.slice(i + 1).forEach((later) => expect(dominatesMax(later, t)).toBe(false)));
        const front = paretoFront(trials, objectives, constraints);
        expect(front.map((t) => t.number).sort((a, b) => a - b)).toEqual(
          feasible.filter((t) => !feasible.some((o) => dominatesMax(o, t))).map((t) => t.number).sort((a, b) => a - b),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('computes the hypervolume history of the feasible front', () => {
    const min: ObjectiveSpec[] = [{ name: 'x', direction: 'minimize' }, { name: 'y', direction: 'minimize' }];
    const trials = [complete(0, [3, 3]), complete(1, [1, 3]), complete(2, [2, 2]), complete(3, [2.5, 2.5]), complete(4, [3, 1])];
    const history = hypervolumeHistory(trials, min, [4, 4]);
    expect(history).toEqual([
      { trial: 0, hypervolume: 1 },
      { trial: 1, hypervolume: 3 },
      { trial: 2, hypervolume: 5 },
      { trial: 4, hypervolume: 6 },
    ]);
    expect(referencePoint(trials, min)).toEqual([3.2, 3.2]);
  });
});
