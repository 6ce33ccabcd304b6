// The decisions of every state-changing Store operation, as pure functions of (view, arguments, now). They follow
// the reference operations of @swarmtune/core (memory and file stores) rule for rule; the Redis store only adds how
// the result is written (change.ts) and where the view comes from (snapshot.ts).
import { randomBytes } from 'node:crypto';
import {
  InputError,
  isFinished,
  shouldRetry,
  TERMINAL_STUDY_STATES,
  type ClaimOutcome,
  type FailReason,
  type IntermediateValue,
  type Params,
  type StopOptions,
  type StudyRecord,
  type StudyState,
  type Trial,
  type TrialResult,
  type WorkerInfo,
} from '@swarmtune/core';
import type { StudyView } from './study-view.js';

export interface StudyChange {
  record?: StudyRecord;
  trials: Trial[];
}

export interface OpOutcome<T> {
  change: StudyChange;
  result: T;
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

/** Time then randomness: unique across hosts without a counter, and sortable by creation. */
export function newTrialId(now: number = Date.now()): string {
  return `${now.toString(36).padStart(9, '0')}${randomBytes(8).toString('hex')}`;
}

export function isTerminal(state: StudyState): boolean {
  return TERMINAL_STUDY_STATES.includes(state);
}

function unchanged<T>(result: T): OpOutcome<T> {
  return { change: { trials: [] }, result };
}

export function setStudyState(view: StudyView, state: StudyState, now: number, reason?: string): OpOutcome<StudyState> {
  if (!STUDY_STATES.includes(state)) throw new InputError('study state', `unknown state "${String(state)}"`);
  const current = view.record;
  if (isTerminal(current.state) || current.state === state) return unchanged(current.state);
  const record: StudyRecord = { ...current, state };
  if (reason !== undefined) record.stateReason = reason;
  if (state === 'RUNNING' && record.startedAt === undefined) record.startedAt = now;
  if (isTerminal(state)) record.endedAt = now;
  return { change: { record, trials: [] }, result: state };
}

export function stopStudy(view: StudyView, options: StopOptions, now: number): OpOutcome<StudyRecord> {
  const current = view.record;
  if (current.state === 'STOPPED') {
    if (!options.now || current.stopNow) return unchanged(current);
    const record = { ...current, stopNow: true };
    return { change: { record, trials: [] }, result: record };
  }
  if (isTerminal(current.state)) return unchanged(current);
  const record: StudyRecord = { ...current, state: 'STOPPED', stopNow: options.now, endedAt: now };
  return { change: { record, trials: [] }, result: record };
}

export interface ClaimRequest {
  /** Id for a trial this claim creates; the same on a retried call, so a lost reply is recognised. */
  id: string;
  params: Params;
  paramKey: string | null;
  worker: WorkerInfo;
  attrs?: Record<string, unknown>;
}

export function claimParams(view: StudyView, request: ClaimRequest, now: number): OpOutcome<ClaimOutcome> {
  const study = view.record;
  if (isTerminal(study.state)) return unchanged({ kind: 'study_ended', state: study.state });
  const key = request.paramKey;
  if (key !== null) {
    const waiting = view.waitingWithKey(key);
    if (waiting) {
      const trial = runFor(waiting, request.worker, now, request.attrs);
      return started(view, now, trial, { kind: 'claimed', trial });
    }
    const complete = view.completeWithKey(key);
    if (complete) {
      const trial: Trial = {
        ...newTrial(view, request, now),
        state: 'COMPLETE',
        startedAt: now,
        finishedAt: now,
        reusedFrom: complete.number,
      };
      if (complete.values) trial.values = [...complete.values];
      if (complete.metrics) trial.metrics = { ...complete.metrics };
      return started(view, now, trial, { kind: 'reused', trial });
    }
    const running = view.runningWithKey(key);
    if (running) {
      const trial: Trial = {
        ...newTrial(view, request, now),
        state: 'FAIL',
        failReason: 'duplicate_running',
        duplicateOf: running.number,
        finishedAt: now,
      };
      return started(view, now, trial, { kind: 'duplicate_running', trial });
    }
  }
  if (budgetUsedUp(view)) {
    const record = doneIfSettled(view, [], now);
    return { change: record ? { record, trials: [] } : { trials: [] }, result: { kind: 'budget_exhausted' } };
  }
  const trial: Trial = { ...newTrial(view, request, now), state: 'RUNNING', startedAt: now, heartbeatAt: now };
  return started(view, now, trial, { kind: 'claimed', trial });
}

/** What an earlier try of the same claim produced, when its reply was lost and the call was repeated. */
export function outcomeOfOwnTrial(trial: Trial): ClaimOutcome {
  if (trial.reusedFrom !== undefined) return { kind: 'reused', trial };
  if (trial.failReason === 'duplicate_running') return { kind: 'duplicate_running', trial };
  return { kind: 'claimed', trial };
}

export function claimWaiting(view: StudyView, worker: WorkerInfo, now: number): OpOutcome<Trial | null> {
  if (isTerminal(view.record.state)) return unchanged(null);
  const waiting = view.oldestWaiting();
  if (!waiting) return unchanged(null);
  const trial = runFor(waiting, worker, now);
  return started(view, now, trial, trial);
}

export interface EnqueueRequest {
  id: string;
  params: Params;
  paramKey: string | null;
  retryOf?: number;
  retryCount?: number;
  attrs?: Record<string, unknown>;
}

export function enqueueTrial(view: StudyView, request: EnqueueRequest, now: number): OpOutcome<Trial> {
  checkParams(request.params, request.paramKey);
  const trial: Trial = {
    id: request.id,
    number: view.nextNumber,
    study: view.name,
    state: 'WAITING',
    params: { ...request.params },
    paramKey: request.paramKey,
    createdAt: now,
    rev: 1,
  };
  if (request.retryOf !== undefined) trial.retryOf = request.retryOf;
  if (request.retryCount !== undefined) trial.retryCount = request.retryCount;
  if (request.attrs !== undefined) trial.attrs = structuredClone(request.attrs);
  return { change: { trials: [trial] }, result: trial };
}

/** A heartbeat or intermediate value: one trial, RUNNING only; null when there is nothing to write. */
export function heartbeatOf(trial: Trial, now: number): Trial | null {
  return trial.state === 'RUNNING' ? { ...trial, heartbeatAt: now, rev: trial.rev + 1 } : null;
}

export function checkIntermediate(trialId: string, value: IntermediateValue): void {
  if (!Number.isFinite(value?.step) || typeof value.value !== 'number' || Number.isNaN(value.value)) {
    throw new InputError(`trial ${trialId}: intermediate value`, 'needs a finite step and a numeric value');
  }
}

export function withIntermediate(trial: Trial, value: IntermediateValue): Trial | null {
  if (trial.state !== 'RUNNING') return null;
  const intermediate = (trial.intermediate ?? []).filter((v) => v.step !== value.step);
  intermediate.push({ step: value.step, value: value.value });
  intermediate.sort((a, b) => a.step - b.step);
  return { ...trial, intermediate, rev: trial.rev + 1 };
}

export function findTrial(view: StudyView, trialId: string): Trial {
  const trial = view.trialById(trialId);
  if (!trial) throw new InputError(`trial ${trialId}`, `not found in study "${view.name}"`);
  return trial;
}

export function finishTrial(view: StudyView, trialId: string, result: TrialResult, now: number): OpOutcome<Trial> {
  const current = findTrial(view, trialId);
  if (isFinished(current.state)) return unchanged(current);
  checkResult(view, current, result);
  const finished: Trial = { ...current, state: result.state, finishedAt: now, rev: current.rev + 1 };
  if (result.values !== undefined) finished.values = [...result.values];
  if (result.metrics !== undefined) finished.metrics = { ...result.metrics };
  if (result.intermediate !== undefined) finished.intermediate = result.intermediate.map((v) => ({ ...v }));
  if (result.error !== undefined) finished.error = result.error;
  if (result.attrs !== undefined) finished.attrs = { ...current.attrs, ...structuredClone(result.attrs) };
  if (result.params !== undefined) finished.params = { ...result.params };
  const trials = [finished];
  if (result.state === 'FAIL') {
    const reason = result.failReason ?? 'error';
    finished.failReason = reason;
    if (shouldRetry(view.record.spec, current, reason)) trials.push(retryOf(view, finished, view.nextNumber, now));
  }
  return withDone(view, trials, now, finished);
}

export function failStaleTrials(view: StudyView, graceMs: number, now: number): OpOutcome<Trial[]> {
  if (!Number.isFinite(graceMs) || graceMs < 0) {
    throw new InputError('heartbeat grace', `must be >= 0 ms, got ${graceMs}`);
  }
  const failed: Trial[] = [];
  const retries: Trial[] = [];
  for (const trial of view.runningTrials()) {
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
    if (shouldRetry(view.record.spec, trial, 'stale')) {
      retries.push(retryOf(view, stale, view.nextNumber + retries.length, now));
    }
  }
  if (failed.length === 0) return unchanged([]);
  return withDone(view, [...failed, ...retries], now, failed);
}

function withDone<T>(view: StudyView, trials: Trial[], now: number, result: T): OpOutcome<T> {
  const record = doneIfSettled(view, trials, now);
  return { change: record ? { record, trials } : { trials }, result };
}

function newTrial(view: StudyView, request: ClaimRequest, now: number): Trial {
  checkParams(request.params, request.paramKey);
  const trial: Trial = {
    id: request.id,
    number: view.nextNumber,
    study: view.name,
    state: 'RUNNING',
    params: { ...request.params },
    paramKey: request.paramKey,
    host: request.worker.host,
    workerId: request.worker.workerId,
    pid: request.worker.pid,
    createdAt: now,
    rev: 1,
  };
  if (request.attrs !== undefined) trial.attrs = structuredClone(request.attrs);
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
  if (attrs !== undefined) trial.attrs = { ...waiting.attrs, ...structuredClone(attrs) };
  return trial;
}

function retryOf(view: StudyView, failed: Trial, number: number, now: number): Trial {
  const trial: Trial = {
    id: newTrialId(now),
    number,
    study: view.name,
    state: 'WAITING',
    params: { ...failed.params },
    paramKey: failed.paramKey,
    retryOf: failed.number,
    retryCount: (failed.retryCount ?? 0) + 1,
    createdAt: now,
    rev: 1,
  };
  if (failed.attrs !== undefined) trial.attrs = structuredClone(failed.attrs);
  return trial;
}

function started<T>(view: StudyView, now: number, trial: Trial, result: T): OpOutcome<T> {
  const change: StudyChange = { trials: [trial] };
  if (view.record.state === 'PENDING') change.record = { ...view.record, state: 'RUNNING', startedAt: now };
  return { change, result };
}

function budgetUsedUp(view: StudyView): boolean {
  const maxTrials = view.record.spec.limits.maxTrials;
  return maxTrials !== undefined && view.counts().budgetUsed >= maxTrials;
}

function doneIfSettled(view: StudyView, changed: readonly Trial[], now: number): StudyRecord | undefined {
  const study = view.record;
  const maxTrials = study.spec.limits.maxTrials;
  if (maxTrials === undefined || isTerminal(study.state)) return undefined;
  const after = view.countsAfter(changed);
  if (after.budgetUsed < maxTrials || after.running > 0 || after.waiting > 0) return undefined;
  return { ...study, state: 'DONE', endedAt: now, startedAt: study.startedAt ?? now };
}

function checkParams(params: Params, paramKey: string | null): void {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new InputError('params', 'must be an object of parameter values');
  }
  if (paramKey !== null && typeof paramKey !== 'string') throw new InputError('paramKey', 'must be a string or null');
}

function checkResult(view: StudyView, trial: Trial, result: TrialResult): void {
  const where = `trial ${trial.number} of study "${view.name}": result`;
  if (result.state !== 'COMPLETE' && result.state !== 'PRUNED' && result.state !== 'FAIL') {
    throw new InputError(`${where}.state`, `must be COMPLETE, PRUNED or FAIL, got ${String(result.state)}`);
  }
  if (result.values !== undefined && !(Array.isArray(result.values) && result.values.every(isNumber))) {
    throw new InputError(`${where}.values`, 'must be a list of numbers');
  }
  const objectives = view.record.spec.objectives.length;
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
