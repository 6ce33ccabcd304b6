// Every Store operation as a pure function of (book, arguments, now): it reads the book and returns the records to
// persist plus the caller's answer. The stores apply the change to the book (and, for the file store, append it to
// the journal first), so memory and file semantics cannot drift apart.
import { InputError } from '../errors.js';
import {
  isFinished,
  shouldRetry,
  STORE_FORMAT_VERSION,
  TERMINAL_STUDY_STATES,
  type FailReason,
  type IntermediateValue,
  type Params,
  type StudyRecord,
  type StudySpec,
  type StudyState,
  type Trial,
  type TrialResult,
  type WorkerInfo,
} from '../model.js';
import type { BookChange, StudyBook } from './study-book.js';
import type { ClaimOutcome, StopOptions } from './store.js';
import { newTrialId } from './trial-id.js';

export interface OpOutcome<T> {
  change: BookChange;
  result: T;
}

export interface ClaimRequest {
  params: Params;
  paramKey: string | null;
  worker: WorkerInfo;
  attrs?: Record<string, unknown>;
}

export interface EnqueueRequest {
  params: Params;
  paramKey: string | null;
  retryOf?: number;
  retryCount?: number;
  attrs?: Record<string, unknown>;
}

const FAIL_REASONS: readonly FailReason[] = [
  'error',
  'timeout',
  'crashed',
  'interrupted',
  'stale',
  'duplicate_running',
  'invalid_output',
];
const STUDY_STATES: readonly StudyState[] = ['PENDING', 'RUNNING', 'DONE', 'TIMEOUT', 'STOPPED', 'ERROR'];

export function isTerminal(state: StudyState): boolean {
  return TERMINAL_STUDY_STATES.includes(state);
}

export function isChange(change: BookChange): boolean {
  return change.record !== undefined || change.trials.length > 0;
}

function unchanged<T>(result: T): OpOutcome<T> {
  return { change: { trials: [] }, result };
}

export function newStudyRecord(spec: StudySpec, now: number): StudyRecord {
  checkSpec(spec);
  return { name: spec.name, spec: clone(spec), state: 'PENDING', createdAt: now, formatVersion: STORE_FORMAT_VERSION };
}

function checkSpec(spec: StudySpec): void {
  if (typeof spec !== 'object' || spec === null) throw new InputError('study spec', 'must be an object');
  if (typeof spec.name !== 'string' || spec.name.trim() === '') {
    throw new InputError('study spec: name', 'must be a non-empty string');
  }
  if (!Array.isArray(spec.objectives)) throw new InputError(`study "${spec.name}": objectives`, 'must be a list');
  const maxTrials = spec.limits?.maxTrials;
  if (maxTrials !== undefined && !(Number.isInteger(maxTrials) && maxTrials >= 0)) {
    throw new InputError(`study "${spec.name}": limits.maxTrials`, `must be an integer >= 0, got ${String(maxTrials)}`);
  }
}

export function setStudyState(
  book: StudyBook,
  state: StudyState,
  now: number,
  reason?: string,
): OpOutcome<StudyState> {
  if (!STUDY_STATES.includes(state)) throw new InputError('study state', `unknown state "${String(state)}"`);
  const current = book.record;
  if (isTerminal(current.state) || current.state === state) return unchanged(current.state);
  const record: StudyRecord = { ...current, state };
  if (reason !== undefined) record.stateReason = reason;
  if (state === 'RUNNING' && record.startedAt === undefined) record.startedAt = now;
  if (isTerminal(state)) record.endedAt = now;
  return { change: { record, trials: [] }, result: state };
}

/** STOPPED with `stopNow`; a study stopped already can still be escalated to `now`. Other terminal states stay. */
export function stopStudy(book: StudyBook, options: StopOptions, now: number): OpOutcome<StudyRecord> {
  const current = book.record;
  if (current.state === 'STOPPED') {
    if (!options.now || current.stopNow) return unchanged(current);
    const record = { ...current, stopNow: true };
    return { change: { record, trials: [] }, result: record };
  }
  if (isTerminal(current.state)) return unchanged(current);
  const record: StudyRecord = { ...current, state: 'STOPPED', stopNow: options.now, endedAt: now };
  return { change: { record, trials: [] }, result: record };
}

export function claimParams(book: StudyBook, request: ClaimRequest, now: number): OpOutcome<ClaimOutcome> {
  const study = book.record;
  if (isTerminal(study.state)) return unchanged({ kind: 'study_ended', state: study.state });
  const key = request.paramKey;
  if (key !== null) {
    const waiting = book.waitingWithKey(key);
    if (waiting) {
      const trial = runFor(waiting, request.worker, now, request.attrs);
      return started(book, now, trial, { kind: 'claimed', trial });
    }
    const complete = book.completeWithKey(key);
    if (complete) {
      const trial: Trial = {
        ...newTrial(book, request, now),
        state: 'COMPLETE',
        startedAt: now,
        finishedAt: now,
        reusedFrom: complete.number,
      };
      if (complete.values) trial.values = [...complete.values];
      if (complete.metrics) trial.metrics = { ...complete.metrics };
      return started(book, now, trial, { kind: 'reused', trial });
    }
    const running = book.runningWithKey(key);
    if (running) {
      const trial: Trial = {
        ...newTrial(book, request, now),
        state: 'FAIL',
        failReason: 'duplicate_running',
        duplicateOf: running.number,
        finishedAt: now,
      };
      return started(book, now, trial, { kind: 'duplicate_running', trial });
    }
  }
  if (budgetUsedUp(book)) {
    return { change: { record: doneIfSettled(book, [], now), trials: [] }, result: { kind: 'budget_exhausted' } };
  }
  const trial: Trial = { ...newTrial(book, request, now), state: 'RUNNING', startedAt: now, heartbeatAt: now };
  return started(book, now, trial, { kind: 'claimed', trial });
}

export function claimWaiting(book: StudyBook, worker: WorkerInfo, now: number): OpOutcome<Trial | null> {
  if (isTerminal(book.record.state)) return unchanged(null);
  const waiting = book.oldestWaiting();
  if (!waiting) return unchanged(null);
  const trial = runFor(waiting, worker, now);
  return started(book, now, trial, trial);
}

export function enqueueTrial(book: StudyBook, request: EnqueueRequest, now: number): OpOutcome<Trial> {
  checkParams(request.params, request.paramKey);
  const trial: Trial = {
    id: newTrialId(),
    number: book.nextNumber,
    study: book.name,
    state: 'WAITING',
    params: { ...request.params },
    paramKey: request.paramKey,
    createdAt: now,
    rev: 1,
  };
  if (request.retryOf !== undefined) trial.retryOf = request.retryOf;
  if (request.retryCount !== undefined) trial.retryCount = request.retryCount;
  if (request.attrs !== undefined) trial.attrs = clone(request.attrs);
  return { change: { trials: [trial] }, result: trial };
}

export function heartbeat(book: StudyBook, trialIds: readonly string[], now: number): OpOutcome<void> {
  const trials: Trial[] = [];
  for (const id of new Set(trialIds)) {
    const trial = book.trialById(id);
    if (trial?.state === 'RUNNING') trials.push({ ...trial, heartbeatAt: now, rev: trial.rev + 1 });
  }
  return { change: { trials }, result: undefined };
}

/** Records (or replaces) the value at `value.step` of a RUNNING trial; ignored for trials that are not RUNNING. */
export function reportIntermediate(
  book: StudyBook,
  trialId: string,
  value: IntermediateValue,
  _now: number,
): OpOutcome<void> {
  if (!Number.isFinite(value?.step) || typeof value.value !== 'number' || Number.isNaN(value.value)) {
    throw new InputError(`trial ${trialId}: intermediate value`, 'needs a finite step and a numeric value');
  }
  const trial = findTrial(book, trialId);
  if (trial.state !== 'RUNNING') return unchanged(undefined);
  const intermediate = (trial.intermediate ?? []).filter((v) => v.step !== value.step);
  intermediate.push({ step: value.step, value: value.value });
  intermediate.sort((a, b) => a.step - b.step);
  return { change: { trials: [{ ...trial, intermediate, rev: trial.rev + 1 }] }, result: undefined };
}

export function finishTrial(book: StudyBook, trialId: string, result: TrialResult, now: number): OpOutcome<Trial> {
  const current = findTrial(book, trialId);
  if (isFinished(current.state)) return unchanged(current);
  checkResult(book, current, result);
  const finished: Trial = { ...current, state: result.state, finishedAt: now, rev: current.rev + 1 };
  if (result.values !== undefined) finished.values = [...result.values];
  if (result.metrics !== undefined) finished.metrics = { ...result.metrics };
  if (result.intermediate !== undefined) finished.intermediate = result.intermediate.map((v) => ({ ...v }));
  if (result.error !== undefined) finished.error = result.error;
  if (result.attrs !== undefined) finished.attrs = { ...current.attrs, ...clone(result.attrs) };
  if (result.params !== undefined) finished.params = { ...result.params };
  const trials = [finished];
  if (result.state === 'FAIL') {
    const reason = result.failReason ?? 'error';
    finished.failReason = reason;
    if (shouldRetry(book.record.spec, current, reason)) trials.push(retryOf(book, finished, book.nextNumber, now));
  }
  return { change: { record: doneIfSettled(book, trials, now), trials }, result: finished };
}

export function failStaleTrials(book: StudyBook, graceMs: number, now: number): OpOutcome<Trial[]> {
  if (!Number.isFinite(graceMs) || graceMs < 0) throw new InputError('heartbeat grace', `must be >= 0 ms, got ${graceMs}`);
  const failed: Trial[] = [];
  const retries: Trial[] = [];
  for (const trial of book.runningTrials()) {
    const lastSign = trial.heartbeatAt ?? trial.startedAt ?? trial.createdAt;
    if (lastSign >= now - graceMs) continue;
    const stale: Trial = {
      ...trial,
      state: 'FAIL',
      failReason: 'stale',
      error: `no heartbeat since ${new Date(lastSign).toISOString()} (grace ${graceMs} ms)`,
      finishedAt: now,
      rev: trial.rev + 1,
    };
    failed.push(stale);
    if (shouldRetry(book.record.spec, trial, 'stale')) {
      retries.push(retryOf(book, stale, book.nextNumber + retries.length, now));
    }
  }
  if (failed.length === 0) return unchanged([]);
  const trials = [...failed, ...retries];
  return { change: { record: doneIfSettled(book, trials, now), trials }, result: failed };
}

function findTrial(book: StudyBook, trialId: string): Trial {
  const trial = book.trialById(trialId);
  if (!trial) throw new InputError(`trial ${trialId}`, `not found in study "${book.name}"`);
  return trial;
}

function newTrial(book: StudyBook, request: ClaimRequest, now: number): Trial {
  checkParams(request.params, request.paramKey);
  const trial: Trial = {
    id: newTrialId(),
    number: book.nextNumber,
    study: book.name,
    state: 'RUNNING',
    params: { ...request.params },
    paramKey: request.paramKey,
    host: request.worker.host,
    workerId: request.worker.workerId,
    pid: request.worker.pid,
    createdAt: now,
    rev: 1,
  };
  if (request.attrs !== undefined) trial.attrs = clone(request.attrs);
  return trial;
}

function runFor(waiting: Trial, worker: WorkerInfo, now: number, attrs?: Record<string, unknown>): Trial {
  const trial: Trial = {
    ...waiting,
    state: 'RUNNING',
    host: worker.host,
    workerId: worker.workerId,
    pid: worker.pid,
    startedAt: now,
    heartbeatAt: now,
    rev: waiting.rev + 1,
  };
  if (attrs !== undefined) trial.attrs = { ...waiting.attrs, ...clone(attrs) };
  return trial;
}

/** The WAITING copy of a trial failed for an infrastructure reason: same params and key, one more retry. */
function retryOf(book: StudyBook, failed: Trial, number: number, now: number): Trial {
  const trial: Trial = {
    id: newTrialId(),
    number,
    study: book.name,
    state: 'WAITING',
    params: { ...failed.params },
    paramKey: failed.paramKey,
    retryOf: failed.number,
    retryCount: (failed.retryCount ?? 0) + 1,
    createdAt: now,
    rev: 1,
  };
  if (failed.attrs !== undefined) trial.attrs = clone(failed.attrs);
  return trial;
}

/** A claim that created or started a trial also starts a PENDING study. */
function started<T>(book: StudyBook, now: number, trial: Trial, result: T): OpOutcome<T> {
  const change: BookChange = { trials: [trial] };
  if (book.record.state === 'PENDING') change.record = { ...book.record, state: 'RUNNING', startedAt: now };
  return { change, result };
}

function budgetUsedUp(book: StudyBook): boolean {
  const maxTrials = book.record.spec.limits.maxTrials;
  return maxTrials !== undefined && book.counts().budgetUsed >= maxTrials;
}

/** The DONE record when, after `changed`, the budget is used up and nothing is RUNNING or WAITING. */
function doneIfSettled(book: StudyBook, changed: readonly Trial[], now: number): StudyRecord | undefined {
  const study = book.record;
  const maxTrials = study.spec.limits.maxTrials;
  if (maxTrials === undefined || isTerminal(study.state)) return undefined;
  const after = book.countsAfter(changed);
  if (after.budgetUsed < maxTrials || after.running > 0 || after.waiting > 0) return undefined;
  return { ...study, state: 'DONE', endedAt: now, startedAt: study.startedAt ?? now };
}

function checkParams(params: Params, paramKey: string | null): void {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new InputError('params', 'must be an object of parameter values');
  }
  if (paramKey !== null && typeof paramKey !== 'string') throw new InputError('paramKey', 'must be a string or null');
}

function checkResult(book: StudyBook, trial: Trial, result: TrialResult): void {
  const where = `trial ${trial.number} of study "${book.name}": result`;
  if (result.state !== 'COMPLETE' && result.state !== 'PRUNED' && result.state !== 'FAIL') {
    throw new InputError(`${where}.state`, `must be COMPLETE, PRUNED or FAIL, got ${String(result.state)}`);
  }
  if (result.values !== undefined && !(Array.isArray(result.values) && result.values.every(isNumber))) {
    throw new InputError(`${where}.values`, 'must be a list of numbers');
  }
  const objectives = book.record.spec.objectives.length;
  if (result.state === 'COMPLETE' && objectives > 0 && result.values?.length !== objectives) {
    throw new InputError(
      `${where}.values`,
      `a COMPLETE trial needs ${objectives} value(s), one per objective, got ${result.values?.length ?? 0}`,
    );
  }
  if (result.failReason !== undefined && !FAIL_REASONS.includes(result.failReason)) {
    throw new InputError(`${where}.failReason`, `unknown reason "${String(result.failReason)}"`);
  }
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && !Number.isNaN(v);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}
