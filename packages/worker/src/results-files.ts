// Files for people and scripts (seed 003): results.jsonl (one line per finished trial), best_params.json (params
// only) and status.json (live). Fed by the worker's events; the CLI wires them. Also the --skip-existing resume.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  InputError,
  isBetter,
  isFeasible,
  type ConstraintSpec,
  type FailReason,
  type ObjectiveSpec,
  type Params,
  type Trial,
  type TrialResult,
} from '@swarmtune/core';
import type { Evaluator, WorkerEvent } from './worker.js';

export type ResultStatus = 'ok' | 'partial' | 'failed' | 'timeout' | 'crashed' | 'interrupted';

/** One line of results.jsonl. */
export interface ResultRecord {
  /** Stable key of the params: JSON of the params with names sorted. */
  trialKey: string;
  study: string;
  trial: number;
  state: Trial['state'];
  status: ResultStatus;
  /** Service objectives: where it ended (startup | eval). */
  phase?: string;
  params: Params;
  values?: number[];
  metrics?: Record<string, number>;
  okRuns?: number;
  evalRuns?: number;
  failReason?: FailReason;
  error?: string;
  logFile?: string;
  serviceLog?: string;
  host?: string;
  startedAt?: string;
  finishedAt?: string;
}

/** Names sorted, so that the same configuration always has the same key, whatever order params came in. */
export function trialKey(params: Params): string {
  return JSON.stringify(Object.fromEntries(Object.keys(params).sort().map((k) => [k, params[k]])));
}

function statusOf(trial: Trial): ResultStatus {
  const fromRunner = trial.attrs?.status;
  if (typeof fromRunner === 'string' && ['ok', 'partial', 'failed', 'timeout', 'crashed', 'interrupted'].includes(fromRunner)) {
    return fromRunner as ResultStatus;
  }
  if (trial.state === 'COMPLETE') return 'ok';
  if (trial.failReason === 'timeout' || trial.failReason === 'crashed' || trial.failReason === 'interrupted') return trial.failReason;
  if (trial.failReason === 'stale') return 'interrupted';
  return 'failed';
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export function recordOf(trial: Trial): ResultRecord {
  const a = trial.attrs ?? {};
  const rec: ResultRecord = {
    trialKey: trialKey(trial.params),
    study: trial.study,
    trial: trial.number,
    state: trial.state,
    status: statusOf(trial),
    ...(typeof a.phase === 'string' ? { phase: a.phase } : {}),
    params: trial.params,
    ...(trial.values ? { values: trial.values } : {}),
    ...(trial.metrics ? { metrics: trial.metrics } : {}),
    ...(typeof a.okRuns === 'number' ? { okRuns: a.okRuns } : {}),
    ...(typeof a.evalRuns === 'number' ? { evalRuns: a.evalRuns } : {}),
    ...(trial.failReason ? { failReason: trial.failReason } : {}),
    ...(trial.error ? { error: trial.error.split('\n')[0]! } : {}),
    ...(typeof a.logFile === 'string' ? { logFile: a.logFile } : {}),
    ...(typeof a.serviceLog === 'string' ? { serviceLog: a.serviceLog } : {}),
    ...(trial.host ? { host: trial.host } : {}),
  };
  const startedAt = iso(trial.startedAt);
  const finishedAt = iso(trial.finishedAt);
  if (startedAt) rec.startedAt = startedAt;
  if (finishedAt) rec.finishedAt = finishedAt;
  return rec;
}

/** Reads results.jsonl; a line that is not a record is an InputError naming the file and line. */
export function readResults(path: string): ResultRecord[] {
  if (!existsSync(path)) return [];
  const records: ResultRecord[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let rec: unknown;
      try {
        rec = JSON.parse(line);
      } catch {
        throw new InputError(`${path}:${i + 1}`, 'not a JSON line (expected one results record per line)');
      }
      const r = rec as Partial<ResultRecord>;
      if (typeof r !== 'object' || r === null || typeof r.trialKey !== 'string' || typeof r.status !== 'string' || typeof r.params !== 'object') {
        throw new InputError(`${path}:${i + 1}`, 'not a results record (needs trialKey, status, params)');
      }
      records.push(r as ResultRecord);
    });
  return records;
}

/** Params of best_params.json, or undefined when the file does not exist. */
export function readBestParams(path: string): Params | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new InputError(path, 'not valid JSON (expected an object of param values)');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InputError(path, 'expected an object of param values');
  return parsed as Params;
}

/** Finished for good: a rerun would say the same (an interrupted trial is not finished). */
const FINISHED: readonly ResultStatus[] = ['ok', 'partial', 'failed', 'timeout', 'crashed'];

/**
 * --skip-existing: a trial whose params already have a finished record of the same study is not run again; the
 * record's outcome is reported instead (attrs.skipped), so the study, its sampler and its budget see it as evaluated.
 */
export function skipExisting(evaluate: Evaluator, records: readonly ResultRecord[]): Evaluator {
  const done = new Map<string, ResultRecord>();
  const keyOf = (study: string, key: string) => JSON.stringify([study, key]);
  for (const r of records) if (FINISHED.includes(r.status)) done.set(keyOf(r.study, r.trialKey), r);
  return async (ctx) => {
    const rec = done.get(keyOf(ctx.study.name, trialKey(ctx.trial.params)));
    if (!rec) return evaluate(ctx);
    ctx.logger.info({ fromTrial: rec.trial, status: rec.status }, 'skipped: finished in the results file');
    const attrs = { skipped: true, skippedFrom: rec.trial, status: rec.status, ...(rec.phase ? { phase: rec.phase } : {}) };
    const result: TrialResult =
      rec.state === 'COMPLETE' && rec.values
        ? { state: 'COMPLETE', values: rec.values, attrs }
        : { state: 'FAIL', failReason: rec.failReason ?? 'error', error: `skipped: ${rec.error ?? rec.status} (results file)`, attrs };
    if (rec.metrics) result.metrics = rec.metrics;
    return result;
  };
}

export interface ResultsSummary {
  study: string;
  finished: number;
  counts: Partial<Record<ResultStatus, number>>;
  best: ResultRecord | null;
}

/** What notifications (or anything else) hear from the results tracker. */
export interface ResultsListener {
  onRecord?(record: ResultRecord, summary: ResultsSummary): void;
  onBest?(record: ResultRecord, summary: ResultsSummary): void;
  onEnded?(state: string, summary: ResultsSummary): void;
}

export interface ResultsFilesOptions {
  study: string;
  objectives: readonly ObjectiveSpec[];
  /** Only trials that meet these count for best (e.g. accuracy >= 0.88). */
  constraints?: readonly ConstraintSpec[];
  results?: string;
  best?: string;
  status?: string;
  /** Records already in the results file (read once at start): they count for best and counts. */
  previous?: readonly ResultRecord[];
  listener?: ResultsListener;
}

function writeAtomically(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}

/** Keeps results.jsonl, best_params.json and status.json up to date from worker events. */
export class ResultsFiles {
  private readonly running = new Map<string, { trial: number; trialKey: string; params: Params; startedAt: string }>();
  private readonly summary: ResultsSummary;
  private state = 'running';
  private last: ResultRecord | null = null;
  private readonly startedAt = new Date().toISOString();

  constructor(private readonly options: ResultsFilesOptions) {
    this.summary = { study: options.study, finished: 0, counts: {}, best: null };
    for (const r of options.previous ?? []) {
      if (r.study !== options.study) continue;
      this.count(r);
      if (this.isBetterThanBest(r)) this.summary.best = r;
    }
    this.writeStatus();
  }

  get current(): ResultsSummary {
    return this.summary;
  }

  onEvent(event: WorkerEvent): void {
    if (event.study !== this.options.study) return;
    if (event.type === 'trial_started') {
      const { trial } = event;
      this.running.set(trial.id, { trial: trial.number, trialKey: trialKey(trial.params), params: trial.params, startedAt: new Date().toISOString() });
    } else if (event.type === 'trial_finished') {
      this.running.delete(event.trial.id);
      this.finished(event.trial);
    } else {
      this.state = 'ended';
      this.writeStatus(event.state);
      this.options.listener?.onEnded?.(event.state, this.summary);
      return;
    }
    this.writeStatus();
  }

  private finished(trial: Trial): void {
    if (trial.attrs?.skipped === true) return; // its line is in the file already
    const rec = recordOf(trial);
    this.last = rec;
    if (this.options.results) {
      mkdirSync(dirname(this.options.results), { recursive: true });
      appendFileSync(this.options.results, `${JSON.stringify(rec)}\n`);
    }
    this.count(rec);
    this.options.listener?.onRecord?.(rec, this.summary);
    if (trial.reusedFrom === undefined && this.isBetterThanBest(rec)) {
      this.summary.best = rec;
      if (this.options.best) writeAtomically(this.options.best, rec.params);
      this.options.listener?.onBest?.(rec, this.summary);
    }
  }

  private count(rec: ResultRecord): void {
    if (rec.status === 'interrupted') return;
    this.summary.finished++;
    this.summary.counts[rec.status] = (this.summary.counts[rec.status] ?? 0) + 1;
  }

  private isBetterThanBest(rec: ResultRecord): boolean {
    const v = rec.values?.[0];
    if (rec.state !== 'COMPLETE' || v === undefined || !Number.isFinite(v)) return false;
    const asTrial = { metrics: rec.metrics, values: rec.values } as Trial;
    if (!isFeasible(asTrial, this.options.constraints, this.options.objectives)) return false;
    const best = this.summary.best?.values?.[0];
    return best === undefined || isBetter(v, best, this.options.objectives[0]?.direction ?? 'minimize');
  }

  private writeStatus(studyState?: string): void {
    if (!this.options.status) return;
    writeAtomically(this.options.status, {
      study: this.options.study,
      state: this.state,
      ...(studyState ? { studyState } : {}),
      pid: process.pid,
      startedAt: this.startedAt,
      updatedAt: new Date().toISOString(),
      running: [...this.running.values()],
      finished: this.summary.finished,
      counts: this.summary.counts,
      best: this.summary.best
        ? { trial: this.summary.best.trial, trialKey: this.summary.best.trialKey, params: this.summary.best.params, values: this.summary.best.values, metrics: this.summary.best.metrics }
        : null,
      last: this.last ? { trial: this.last.trial, status: this.last.status, params: this.last.params, values: this.last.values } : null,
    });
  }
}
