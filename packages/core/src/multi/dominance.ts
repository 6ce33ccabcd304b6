import type { ObjectiveSpec } from '../model.js';

/** Values turned into "smaller is better" for every objective (maximized objectives are negated). */
export function toMinimized(values: readonly number[], objectives: readonly ObjectiveSpec[]): number[] {
  return objectives.map((o, i) => (o.direction === 'maximize' ? -values[i]! : values[i]!));
}

/** `a` dominates `b` (both minimized): no worse in every objective and better in at least one. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) better = true;
  }
  return better;
}

/**
 * Fast non-dominated sort (Deb et al., NSGA-II): the indices of `points` (minimized) split into fronts, the first
 * front being the non-dominated points. Equal points land in the same front. O(M N^2).
 */
export function nonDominatedSort(points: readonly (readonly number[])[]): number[][] {
  const n = points.length;
  const dominatedBy = new Int32Array(n);
  const dominating: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dominates(points[i]!, points[j]!)) {
        dominating[i]!.push(j);
        dominatedBy[j]!++;
      } else if (dominates(points[j]!, points[i]!)) {
        dominating[j]!.push(i);
        dominatedBy[i]!++;
      }
    }
  }
  const fronts: number[][] = [];
  let current: number[] = [];
  for (let i = 0; i < n; i++) if (dominatedBy[i] === 0) current.push(i);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) {
      for (const j of dominating[i]!) if (--dominatedBy[j]! === 0) next.push(j);
    }
    current = next;
  }
  return fronts;
}

/** Crowding distance of each point of one front (NSGA-II): larger means a less crowded neighbourhood. */
export function crowdingDistance(points: readonly (readonly number[])[]): number[] {
  const n = points.length;
  const distance = new Array<number>(n).fill(0);
  if (n <= 2) return distance.fill(Infinity);
  const m = points[0]!.length;
  const order = points.map((_, i) => i);
  for (let k = 0; k < m; k++) {
    order.sort((a, b) => points[a]![k]! - points[b]![k]!);
    const lo = points[order[0]!]![k]!;
    const hi = points[order[n - 1]!]![k]!;
    distance[order[0]!] = Infinity;
    distance[order[n - 1]!] = Infinity;
    if (hi === lo) continue;
    for (let i = 1; i < n - 1; i++) {
      distance[order[i]!]! += (points[order[i + 1]!]![k]! - points[order[i - 1]!]![k]!) / (hi - lo);
    }
  }
  return distance;
}
