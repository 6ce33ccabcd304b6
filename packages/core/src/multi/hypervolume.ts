// Exact hypervolume of a set of minimized points against a reference point, for 2 and 3 objectives.

/** Points that are strictly better than the reference in every objective: only they add volume. */
function inside(points: readonly (readonly number[])[], reference: readonly number[]): number[][] {
  return points.filter((p) => p.every((v, i) => v < reference[i]!)).map((p) => [...p]);
}

/** Area dominated by 2D points, bounded by `reference`: sweep in x, keep the running minimum of y. */
function area2d(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const sorted = [...points].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let area = 0;
  let minY = reference[1]!;
  for (const p of sorted) {
    if (p[1]! >= minY) continue;
    area += (reference[0]! - p[0]!) * (minY - p[1]!);
    minY = p[1]!;
  }
  return area;
}

/** 3D: slice along z; between consecutive z levels the cross-section is the 2D area of the points below. */
function volume3d(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const sorted = [...points].sort((a, b) => a[2]! - b[2]!);
  let volume = 0;
  const active: number[][] = [];
  for (let i = 0; i < sorted.length; i++) {
    active.push(sorted[i]! as number[]);
    const zNext = i + 1 < sorted.length ? sorted[i + 1]![2]! : reference[2]!;
    const depth = zNext - sorted[i]![2]!;
    if (depth > 0) volume += area2d(active, reference) * depth;
  }
  return volume;
}

/**
 * Exact hypervolume of minimized `points` against `reference` (2 or 3 objectives; 1 objective is the distance from
 * the best point to the reference). Points not better than the reference in every objective add nothing.
 */
export function hypervolume(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const m = reference.length;
  const usable = inside(points, reference);
  if (usable.length === 0) return 0;
  if (usable.some((p) => p.length !== m)) throw new RangeError('hypervolume: every point needs one value per objective');
  switch (m) {
    case 1:
      return reference[0]! - Math.min(...usable.map((p) => p[0]!));
    case 2:
      return area2d(usable, reference);
    case 3:
      return volume3d(usable, reference);
    default:
      throw new RangeError(`exact hypervolume is implemented for 1 to 3 objectives, not ${m}`);
  }
}

/** How much volume each point adds on its own (hypervolume without it subtracted from the total). */
export function hypervolumeContributions(points: readonly (readonly number[])[], reference: readonly number[]): number[] {
  const total = hypervolume(points, reference);
  return points.map((_, i) => total - hypervolume(points.filter((__, j) => j !== i), reference));
}
