export interface MetricStats {
  mean: number;
  min: number;
  max: number;
  /** Population standard deviation over the runs that reported the metric. */
  std: number;
  runs: number;
}

/** Per metric name: mean, min, max and std over the runs that reported it. */
export function aggregateMetrics(runs: ReadonlyArray<Record<string, number>>): Record<string, MetricStats> {
  const byName = new Map<string, number[]>();
  for (const metrics of runs) {
    for (const [name, v] of Object.entries(metrics)) byName.set(name, [...(byName.get(name) ?? []), v]);
  }
  const stats: Record<string, MetricStats> = {};
  for (const [name, values] of byName) {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
    stats[name] = { mean, min: Math.min(...values), max: Math.max(...values), std: Math.sqrt(variance), runs: values.length };
  }
  return stats;
}

/** Element-wise mean of equally long value vectors (one per good eval run). */
export function meanValues(runs: ReadonlyArray<readonly number[]>): number[] {
  const n = runs[0]?.length ?? 0;
  return Array.from({ length: n }, (_, i) => runs.reduce((a, r) => a + r[i]!, 0) / runs.length);
}
