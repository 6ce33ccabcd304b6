import type { ObjectiveSpec, Trial } from '@swarmtune/core';

/** A trial as `--json` prints it: `value` for one objective, `values` for several. */
export function trialJson(t: Trial, objectives: readonly ObjectiveSpec[]): Record<string, unknown> {
  const out: Record<string, unknown> = { number: t.number, state: t.state, params: t.params };
  if (t.values) {
    if (objectives.length === 1) out.value = t.values[0];
    else out.values = Object.fromEntries(objectives.map((o, i) => [o.name, t.values![i]]));
  }
  if (t.metrics) out.metrics = t.metrics;
  for (const k of ['failReason', 'error', 'reusedFrom', 'duplicateOf', 'retryOf', 'host', 'workerId', 'pid'] as const) {
    if (t[k] !== undefined) out[k] = t[k];
  }
  if (t.startedAt !== undefined) out.startedAt = new Date(t.startedAt).toISOString();
  if (t.finishedAt !== undefined) out.finishedAt = new Date(t.finishedAt).toISOString();
  if (t.startedAt !== undefined && t.finishedAt !== undefined) out.durationSeconds = (t.finishedAt - t.startedAt) / 1000;
  return out;
}

export function formatValue(v: number | undefined): string {
  if (v === undefined) return '-';
  return Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-4 && v !== 0) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
}

export function formatParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? formatValue(v) : String(v)}`)
    .join(' ');
}

/** One line for people: `#12 COMPLETE value=0.0123 lr=0.01 layers=3`. */
export function trialLine(t: Trial, objectives: readonly ObjectiveSpec[]): string {
  const vals = t.values ? objectives.map((o, i) => `${o.name}=${formatValue(t.values![i])}`).join(' ') : '';
  const why = t.state === 'FAIL' ? `(${t.failReason ?? 'error'})` : '';
  const reused = t.reusedFrom !== undefined ? ` (reused #${t.reusedFrom})` : '';
  return [`#${t.number}`, t.state + why, vals, formatParams(t.params)].filter(Boolean).join(' ') + reused;
}

/** A plain text table with aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

export function csvField(v: unknown): string {
  const s = v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
