import type { Store, Trial } from '@swarmtune/core';
import { table } from '../format.js';
import { requireStudy, withStore, type ReadOptions } from './study.js';

export interface HostStats {
  host: string;
  meanSeconds: number;
  medianSeconds: number;
  complete: number;
  workers: number;
  trialsPerHour: number;
}

/**
 * Per host, over its COMPLETE trials that really ran (reused ones ran nowhere): mean and median duration, count,
 * distinct worker processes, and trials per hour over the span from its first start to its last finish.
 * Sorted fastest first (seed 002's table).
 */
export function hostStats(trials: readonly Trial[]): HostStats[] {
  const byHost = new Map<string, Trial[]>();
  for (const t of trials) {
    if (t.state !== 'COMPLETE' || t.reusedFrom !== undefined || t.startedAt === undefined || t.finishedAt === undefined) continue;
    const host = t.host ?? 'unknown';
    byHost.set(host, [...(byHost.get(host) ?? []), t]);
  }
  const stats: HostStats[] = [];
  for (const [host, ts] of byHost) {
    const durations = ts.map((t) => (t.finishedAt! - t.startedAt!) / 1000).sort((a, b) => a - b);
    const mid = durations.length >> 1;
    const median = durations.length % 2 ? durations[mid]! : (durations[mid - 1]! + durations[mid]!) / 2;
    const spanHours = (Math.max(...ts.map((t) => t.finishedAt!)) - Math.min(...ts.map((t) => t.startedAt!))) / 3_600_000;
    stats.push({
      host,
      meanSeconds: durations.reduce((a, b) => a + b, 0) / durations.length,
      medianSeconds: median,
      complete: ts.length,
      workers: new Set(ts.map((t) => `${t.workerId}`)).size,
      trialsPerHour: spanHours > 0 ? ts.length / spanHours : 0,
    });
  }
  return stats.sort((a, b) => a.meanSeconds - b.meanSeconds || a.host.localeCompare(b.host));
}

function hostTable(stats: HostStats[]): string {
  const f = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(2));
  return table(
    ['host', 'mean s', 'median s', 'complete', 'workers', 'trials/h'],
    stats.map((s) => [s.host, f(s.meanSeconds), f(s.medianSeconds), String(s.complete), String(s.workers), f(s.trialsPerHour)]),
  );
}

export async function reportHosts(opts: ReadOptions & { study?: string }): Promise<void> {
  await withStore(opts.store, async (store: Store) => {
    const names = opts.study ? [(await requireStudy(store, opts.study)).name] : (await store.listStudies()).map((s) => s.name);
    const blocks = [];
    for (const name of names) blocks.push({ study: name, hosts: hostStats(await store.getTrials(name)) });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(opts.study ? blocks[0]!.hosts : blocks)}\n`);
      return;
    }
    const text = blocks.map((b) => `${b.study}\n${b.hosts.length ? hostTable(b.hosts) : '(no COMPLETE trials)'}`).join('\n\n');
    process.stdout.write(`${text}\n`);
  });
}
