import { createWriteStream } from 'node:fs';
import { bestTrial, InputError, type Store, type StudyRecord, type Trial } from '@swarmtune/core';
import { loadExperimentFile } from '../experiment.js';
import { csvField, table, trialJson, trialLine } from '../format.js';
import { defaultStoreUrl, openStore } from '../store-url.js';
import { checkResumable, countStates, specToStore } from './run.js';

export interface ReadOptions {
  store?: string;
  json?: boolean;
}

export async function withStore<T>(url: string | undefined, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(url ?? defaultStoreUrl());
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export async function requireStudy(store: Store, name: string): Promise<StudyRecord> {
  const record = await store.getStudy(name);
  if (!record) throw new InputError('study', `no study named "${name}" in ${store.displayUrl}`);
  return record;
}

function print(value: unknown): void {
  process.stdout.write(typeof value === 'string' ? `${value}\n` : `${JSON.stringify(value)}\n`);
}

export async function studyCreate(file: string, opts: ReadOptions): Promise<void> {
  const exp = loadExperimentFile(file);
  await withStore(opts.store ?? exp.store, async (store) => {
    const spec = specToStore(exp);
    const { record, created } = await store.createStudy(spec, Date.now());
    if (!created) checkResumable(record.spec, spec, `${file}: name`);
    print(opts.json ? { name: record.name, state: record.state, created } : `${created ? 'created' : 'exists'}: ${record.name} (${record.state})`);
  });
}

export async function studyList(opts: ReadOptions): Promise<void> {
  await withStore(opts.store, async (store) => {
    const studies = await store.listStudies();
    const rows = [];
    for (const s of studies) {
      const trials = await store.getTrials(s.name);
      rows.push({ name: s.name, state: s.state, trials: trials.length, complete: trials.filter((t) => t.state === 'COMPLETE').length, best: bestTrial(trials, s.spec.objectives, s.spec.constraints)?.values?.[0] });
    }
    if (opts.json) return print(rows);
    if (rows.length === 0) return print(`no studies in ${store.displayUrl}`);
    print(table(['study', 'state', 'trials', 'complete', 'best'], rows.map((r) => [r.name, r.state, String(r.trials), String(r.complete), r.best === undefined ? '-' : String(r.best)])));
  });
}

export async function studyShow(name: string, opts: ReadOptions): Promise<void> {
  await withStore(opts.store, async (store) => {
    const record = await requireStudy(store, name);
    const trials = await store.getTrials(name);
    const best = bestTrial(trials, record.spec.objectives, record.spec.constraints);
    if (opts.json) return print({ ...record, counts: Object.fromEntries(countPairs(trials)), best: best ? trialJson(best, record.spec.objectives) : null });
    print(`study ${record.name}: ${record.state}${record.stateReason ? ` (${record.stateReason})` : ''}`);
    print(`objectives: ${record.spec.objectives.map((o) => `${o.name} (${o.direction})`).join(', ')}`);
    print(`sampler: ${record.spec.sampler.name}   limits: ${JSON.stringify(record.spec.limits)}`);
    print(`trials: ${countStates(trials.map((t) => t.state))}`);
    print(best ? `best: ${trialLine(best, record.spec.objectives)}` : 'best: none yet');
  });
}

function countPairs(trials: readonly Trial[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of trials) m.set(t.state, (m.get(t.state) ?? 0) + 1);
  return m;
}

export async function studyBest(name: string, opts: ReadOptions): Promise<void> {
  await withStore(opts.store, async (store) => {
    const record = await requireStudy(store, name);
    const best = bestTrial(await store.getTrials(name), record.spec.objectives, record.spec.constraints);
    if (opts.json) return print(best ? trialJson(best, record.spec.objectives) : null);
    print(best ? trialLine(best, record.spec.objectives) : `no COMPLETE trial in study ${name}`);
  });
}

export async function studyTrials(name: string, opts: ReadOptions & { state?: string }): Promise<void> {
  await withStore(opts.store, async (store) => {
    const record = await requireStudy(store, name);
    let trials = await store.getTrials(name);
    if (opts.state) trials = trials.filter((t) => t.state === opts.state!.toUpperCase());
    if (opts.json) return print(trials.map((t) => trialJson(t, record.spec.objectives)));
    for (const t of trials) print(trialLine(t, record.spec.objectives));
  });
}

export async function studyExport(name: string, opts: ReadOptions & { format: string; output?: string }): Promise<void> {
  if (opts.format !== 'jsonl' && opts.format !== 'csv') throw new InputError('--format', `"${opts.format}" is not one of jsonl, csv`);
  await withStore(opts.store, async (store) => {
    const record = await requireStudy(store, name);
    const trials = await store.getTrials(name);
    const out = opts.output ? createWriteStream(opts.output) : process.stdout;
    const rows = trials.map((t) => trialJson(t, record.spec.objectives));
    if (opts.format === 'jsonl') {
      for (const r of rows) out.write(`${JSON.stringify(r)}\n`);
    } else {
      const paramNames = [...new Set(trials.flatMap((t) => Object.keys(t.params)))].sort();
      const metricNames = [...new Set(trials.flatMap((t) => Object.keys(t.metrics ?? {})))].sort();
      const objectiveNames = record.spec.objectives.map((o) => o.name);
      const header = ['number', 'state', ...objectiveNames.map((n) => `value:${n}`), ...paramNames.map((n) => `param:${n}`), ...metricNames.map((n) => `metric:${n}`), 'failReason', 'reusedFrom', 'host', 'workerId', 'startedAt', 'finishedAt', 'durationSeconds'];
      out.write(`${header.join(',')}\n`);
      for (const t of trials) {
        const r = trialJson(t, record.spec.objectives);
        const cells = [t.number, t.state, ...objectiveNames.map((_, i) => t.values?.[i]), ...paramNames.map((n) => t.params[n]), ...metricNames.map((n) => t.metrics?.[n]), t.failReason, t.reusedFrom, t.host, t.workerId, r.startedAt, r.finishedAt, r.durationSeconds];
        out.write(`${cells.map(csvField).join(',')}\n`);
      }
    }
    if (out !== process.stdout) await new Promise<void>((res, rej) => (out as NodeJS.WritableStream).end(() => res()).on?.('error', rej));
  });
}

export async function studyStop(name: string, opts: ReadOptions & { now?: boolean }): Promise<void> {
  await withStore(opts.store, async (store) => {
    await requireStudy(store, name);
    await store.stopStudy(name, { now: Boolean(opts.now) }, Date.now());
    print(opts.json ? { study: name, state: 'STOPPED', now: Boolean(opts.now) } : `study ${name}: STOPPED${opts.now ? ' (running trials interrupted)' : ' (running trials finish first)'}`);
  });
}
