import { writeFileSync } from 'node:fs';
import {
  InputError,
  formatConstraint,
  hypervolumeHistory,
  isFeasible,
  paretoFront,
  referencePoint,
  type HypervolumePoint,
  type StudyRecord,
  type Trial,
} from '@swarmtune/core';
import { csvField, formatValue, table, trialJson } from '../format.js';
import { requireStudy, withStore, type ReadOptions } from './study.js';

export interface ParetoReport {
  study: string;
  objectives: StudyRecord['spec']['objectives'];
  constraints: string[];
  complete: number;
  feasible: number;
  /** The feasible non-dominated trials; empty when none met the constraints (see `note`). */
  front: Trial[];
  note?: string;
}

export function paretoReport(record: StudyRecord, trials: readonly Trial[]): ParetoReport {
  const { objectives, constraints } = record.spec;
  const complete = trials.filter((t) => t.state === 'COMPLETE' && t.reusedFrom === undefined);
  const feasible = complete.filter((t) => isFeasible(t, constraints, objectives));
  const front = paretoFront(trials, objectives, constraints);
  const report: ParetoReport = {
    study: record.name,
    objectives,
    constraints: (constraints ?? []).map(formatConstraint),
    complete: complete.length,
    feasible: feasible.length,
    front,
  };
  if (front.length === 0) {
    report.note =
      complete.length === 0
        ? 'no COMPLETE trials yet'
        : `none of the ${complete.length} COMPLETE trials met the constraints (${report.constraints.join(', ')})`;
  }
  return report;
}

export interface HypervolumeReport {
  study: string;
  /** In the objectives' own directions. */
  reference: number[] | null;
  referenceGiven: boolean;
  history: HypervolumePoint[];
}

/** `--reference 0.9,0` -> numbers, one per objective. */
export function parseReference(text: string | undefined, nObjectives: number): number[] | undefined {
  if (text === undefined) return undefined;
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.length !== nObjectives || values.some((v) => !Number.isFinite(v))) {
    throw new InputError('--reference', `expected ${nObjectives} comma-separated numbers (one per objective), got "${text}"`);
  }
  return values;
}

export function hypervolumeReport(record: StudyRecord, trials: readonly Trial[], given?: number[]): HypervolumeReport {
  const { objectives, constraints } = record.spec;
  if (objectives.length < 2 || objectives.length > 3) {
    throw new InputError(`study ${record.name}`, `hypervolume needs 2 or 3 objectives, the study has ${objectives.length}`);
  }
  const reference = given ?? referencePoint(trials, objectives, constraints);
  return {
    study: record.name,
    reference,
    referenceGiven: given !== undefined,
    history: reference ? hypervolumeHistory(trials, objectives, reference, constraints) : [],
  };
}

const W = 640;
const H = 400;
const PAD = 56;

function scale(lo: number, hi: number, from: number, to: number): (v: number) => number {
  const span = hi - lo || 1;
  return (v) => from + ((v - lo) / span) * (to - from);
}

function axes(xLabel: string, yLabel: string, xs: [number, number], ys: [number, number]): string {
  const f = (v: number) => formatValue(v);
  return [
    `<line x1="${PAD}" y1="${H - PAD}" x2="${W - PAD / 2}" y2="${H - PAD}" stroke="#333"/>`,
    `<line x1="${PAD}" y1="${PAD / 2}" x2="${PAD}" y2="${H - PAD}" stroke="#333"/>`,
    `<text x="${W / 2}" y="${H - 12}" text-anchor="middle" font-size="13">${escapeXml(xLabel)}</text>`,
    `<text x="16" y="${H / 2}" text-anchor="middle" font-size="13" transform="rotate(-90 16 ${H / 2})">${escapeXml(yLabel)}</text>`,
    `<text x="${PAD}" y="${H - PAD + 16}" font-size="11" text-anchor="middle">${f(xs[0])}</text>`,
    `<text x="${W - PAD / 2}" y="${H - PAD + 16}" font-size="11" text-anchor="end">${f(xs[1])}</text>`,
    `<text x="${PAD - 4}" y="${H - PAD}" font-size="11" text-anchor="end">${f(ys[0])}</text>`,
    `<text x="${PAD - 4}" y="${PAD / 2 + 10}" font-size="11" text-anchor="end">${f(ys[1])}</text>`,
  ].join('\n');
}

function svgDocument(title: string, body: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

/** The best hypervolume over trials, as a step line. */
export function hypervolumeSvg(report: HypervolumeReport): string {
  const h = report.history;
  if (h.length === 0) return svgDocument(`${report.study}: hypervolume (no feasible trials)`, '');
  const xs: [number, number] = [0, Math.max(1, h[h.length - 1]!.trial)];
  const ys: [number, number] = [0, Math.max(...h.map((p) => p.hypervolume)) || 1];
  const x = scale(xs[0], xs[1], PAD, W - PAD / 2);
  const y = scale(ys[0], ys[1], H - PAD, PAD / 2);
  let d = `M${x(h[0]!.trial).toFixed(1)},${y(h[0]!.hypervolume).toFixed(1)}`;
  for (let i = 1; i < h.length; i++) d += ` H${x(h[i]!.trial).toFixed(1)} V${y(h[i]!.hypervolume).toFixed(1)}`;
  const dots = h.map((p) => `<circle cx="${x(p.trial).toFixed(1)}" cy="${y(p.hypervolume).toFixed(1)}" r="3" fill="#1f77b4"/>`).join('\n');
  return svgDocument(`${report.study}: hypervolume over trials`, `${axes('trial', 'hypervolume', xs, ys)}\n<path d="${d}" fill="none" stroke="#1f77b4" stroke-width="2"/>\n${dots}`);
}

/** The first two objectives of every COMPLETE trial: front in red, other feasible in blue, infeasible in grey. */
export function paretoSvg(record: StudyRecord, trials: readonly Trial[], report: ParetoReport): string {
  const { objectives, constraints } = record.spec;
  const complete = trials.filter((t) => t.state === 'COMPLETE' && t.reusedFrom === undefined && t.values && t.values.length >= 2);
  if (complete.length === 0 || objectives.length < 2) return svgDocument(`${record.name}: no trials to plot`, '');
  const vx = complete.map((t) => t.values![0]!);
  const vy = complete.map((t) => t.values![1]!);
  const xs: [number, number] = [Math.min(...vx), Math.max(...vx)];
  const ys: [number, number] = [Math.min(...vy), Math.max(...vy)];
  const x = scale(xs[0], xs[1], PAD, W - PAD / 2);
  const y = scale(ys[0], ys[1], H - PAD, PAD / 2);
  const onFront = new Set(report.front.map((t) => t.id));
  const dots = complete.map((t) => {
    const colour = onFront.has(t.id) ? '#d62728' : isFeasible(t, constraints, objectives) ? '#1f77b4' : '#bbbbbb';
    return `<circle cx="${x(t.values![0]!).toFixed(1)}" cy="${y(t.values![1]!).toFixed(1)}" r="${onFront.has(t.id) ? 5 : 3}" fill="${colour}"><title>#${t.number}</title></circle>`;
  });
  const note = report.note ? `<text x="${W / 2}" y="40" text-anchor="middle" font-size="12" fill="#a00">${escapeXml(report.note)}</text>` : '';
  return svgDocument(`${record.name}: Pareto front (red), feasible (blue), infeasible (grey)`, `${axes(objectives[0]!.name, objectives[1]!.name, xs, ys)}\n${dots.join('\n')}\n${note}`);
}

function paretoCsv(record: StudyRecord, front: readonly Trial[]): string {
  const { objectives } = record.spec;
  const paramNames = [...new Set(front.flatMap((t) => Object.keys(t.params)))].sort();
  const metricNames = [...new Set(front.flatMap((t) => Object.keys(t.metrics ?? {})))].sort();
  const header = ['number', ...objectives.map((o) => o.name), ...paramNames.map((p) => `param_${p}`), ...metricNames.map((m) => `metric_${m}`)];
  const rows = front.map((t) => [t.number, ...objectives.map((_, i) => t.values?.[i]), ...paramNames.map((p) => t.params[p]), ...metricNames.map((m) => t.metrics?.[m])]);
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

export async function reportPareto(opts: ReadOptions & { study: string; csv?: string; svg?: string }): Promise<void> {
  await withStore(opts.store, async (store) => {
    const record = await requireStudy(store, opts.study);
    const trials = await store.getTrials(record.name);
    const report = paretoReport(record, trials);
    if (opts.csv) writeFileSync(opts.csv, paretoCsv(record, report.front));
    if (opts.svg) writeFileSync(opts.svg, paretoSvg(record, trials, report));
    if (opts.json) {
      const { front, ...rest } = report;
      process.stdout.write(`${JSON.stringify({ ...rest, front: front.map((t) => trialJson(t, record.spec.objectives)) })}\n`);
      return;
    }
    const lines = [
      `study ${record.name}: ${report.front.length} trial(s) on the Pareto front (${report.feasible} feasible of ${report.complete} COMPLETE)`,
    ];
    if (report.constraints.length > 0) lines.push(`constraints: ${report.constraints.join(', ')}`);
    if (report.note) lines.push(report.note);
    else {
      const { objectives } = record.spec;
      lines.push(
        table(
          ['#', ...objectives.map((o) => `${o.name} (${o.direction === 'minimize' ? 'min' : 'max'})`), 'params'],
          report.front.map((t) => [String(t.number), ...objectives.map((_, i) => formatValue(t.values?.[i])), JSON.stringify(t.params)]),
        ),
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}

export async function reportHypervolume(
  opts: ReadOptions & { study: string; reference?: string; csv?: string; svg?: string },
): Promise<void> {
  await withStore(opts.store, async (store) => {
    const record = await requireStudy(store, opts.study);
    const report = hypervolumeReport(record, await store.getTrials(record.name), parseReference(opts.reference, record.spec.objectives.length));
    if (opts.csv) writeFileSync(opts.csv, ['trial,hypervolume', ...report.history.map((p) => `${p.trial},${p.hypervolume}`)].join('\n') + '\n');
    if (opts.svg) writeFileSync(opts.svg, hypervolumeSvg(report));
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return;
    }
    if (!report.reference) {
      process.stdout.write(`study ${record.name}: no feasible COMPLETE trials, no hypervolume yet\n`);
      return;
    }
    const how = report.referenceGiven ? 'given' : 'worst feasible values + 10% of their range';
    const lines = [`study ${record.name}: reference point ${report.reference.map(formatValue).join(', ')} (${how})`];
    lines.push(table(['after trial', 'hypervolume'], report.history.map((p) => [String(p.trial), formatValue(p.hypervolume)])));
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}
