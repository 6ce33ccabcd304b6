// Every state-changing Store operation as a pure function of (study, arguments, now): it reads the study through
// a StudyReader and returns the records to write plus the caller's answer. The memory and file stores apply the
// change to their StudyBook (the file store appends it to the journal first); the Redis store turns it into one
// atomic commit. One set of rules for every store, so their semantics cannot drift apart.
import { InputError } from '../errors.js';
import {
  countsTowardBudget,
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
import type { ClaimOutcome, StopOptions } from './store.js';
import type { KeyedState, StudyChange, StudyReader } from './study-reader.js';
import { newTrialId } from './trial-id.js';

export interface OpOutcome<T> {
  change: StudyChange;
  result: T;
}

export interface ClaimRequest {
  /** Id for a trial this claim creates (default: a new one). A store that retries a call passes the same id. */
  id?: string;
  params: Params;
  paramKey: string | null;
  worker: WorkerInfo;
  attrs?: Record<string, unknown>;
}

export interface EnqueueRequest {
  /** Id of the new trial (default: a new one). */
  id?: string;
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

export function isChange(change: StudyChange): boolean {
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
  study: StudyReader,
  state: StudyState,
  now: number,
  reason?: string,
): OpOutcome<StudyState> {
  if (!STUDY_STATES.includes(state)) throw new InputError('study state', `unknown state "${String(state)}"`);
  const current = study.record;
  if (isTerminal(current.state) || current.state === state) return unchanged(current.state);
  const record: StudyRecord = { ...current, state };
  if (reason !== undefined) record.stateReason = reason;
  if (state === 'RUNNING' && record.startedAt === undefined) record.startedAt = now;
  if (isTerminal(state)) record.endedAt = now;
  return { change: { record, trials: [] }, result: state };
}

/** STOPPED with `stopNow`; a study stopped already can still be escalated to `now`. Other terminal states stay. */
export function stopStudy(study: StudyReader, options: StopOptions, now: number): OpOutcome<StudyRecord> {
  const current = study.record;
  if (current.state === 'STOPPED') {
    if (!options.now || current.stopNow) return unchanged(current);
    const record = { ...current, stopNow: true };
    return { change: { record, trials: [] }, result: record };
  }
  if (isTerminal(current.state)) return unchanged(current);
  const record: StudyRecord = { ...current, state: 'STOPPED', stopNow: options.now, endedAt: now };
  return { change: { record, trials: [] }, result: record };
}

export function claimParams(study: StudyReader, request: ClaimRequest, now: number): OpOutcome<ClaimOutcome> {
  if (isTerminal(study.record.state)) return unchanged({ kind: 'study_ended', state: study.record.state });
  const key = request.paramKey;
  if (key !== null) {
    const waiting = trialWithKey(study, key, 'WAITING');
    if (waiting) {
      const trial = runFor(waiting, request.worker, now, request.attrs);
      return started(study, now, trial, { kind: 'claimed', trial });
    }
    const complete = trialWithKey(study, key, 'COMPLETE');
    if (complete) {
      const trial: Trial = {
        ...newTrial(study, request, now),
        state: 'COMPLETE',
        startedAt: now,
        finishedAt: now,
        reusedFrom: complete.number,
      };
      if (complete.values) trial.values = [...complete.values];
      if (complete.metrics) trial.metrics = { ...complete.metrics };
      return started(study, now, trial, { kind: 'reused', trial });
    }
    const running = trialWithKey(study, key, 'RUNNING');
    if (running) {
      const trial: Trial = {
        ...newTrial(study, request, now),
        state: 'FAIL',
        failReason: 'duplicate_running',
        duplicateOf: running.number,
        finishedAt: now,
      };
      return started(study, now, trial, { kind: 'duplicate_running', trial });
    }
  }
  if (budgetUsedUp(study)) return withDone(study, [], now, { kind: 'budget_exhausted' });
  const trial: Trial = { ...newTrial(study, request, now), state: 'RUNNING', startedAt: now, heartbeatAt: now };
  return started(study, now, trial, { kind: 'claimed', trial });
}

export function claimWaiting(study: StudyReader, worker: WorkerInfo, now: number): OpOutcome<Trial | null> {
  if (isTerminal(study.record.state)) return unchanged(null);
  const waiting = inState(study, study.oldestWaitingId(), 'WAITING');
  if (!waiting) return unchanged(null);
  const trial = runFor(waiting, worker, now);
  return started(study, now, trial, trial);
}

export function enqueueTrial(study: StudyReader, request: EnqueueRequest, now: number): OpOutcome<Trial> {
  checkParams(request.params, request.paramKey);
  const trial = freshTrial(study, request, study.nextNumber, now);
  if (request.retryOf !== undefined) trial.retryOf = request.retryOf;
  if (request.retryCount !== undefined) trial.retryCount = request.retryCount;
  return { change: { trials: [trial] }, result: trial };
}

export function heartbeat(study: StudyReader, trialIds: readonly string[], now: number): OpOutcome<void> {
  const trials: Trial[] = [];
  for (const id of new Set(trialIds)) {
    const trial = study.trialById(id);
    const beaten = trial && heartbeatOf(trial, now);
    if (beaten) trials.push(beaten);
  }
  return { change: { trials }, result: undefined };
}

/** The trial with its heartbeat refreshed, or null when it is no longer RUNNING (nothing to write). */
export function heartbeatOf(trial: Trial, now: number): Trial | null {
  return trial.state === 'RUNNING' ? { ...trial, heartbeatAt: now, rev: trial.rev + 1 } : null;
}

/** Records (or replaces) the value at `value.step` of a RUNNING trial; ignored for trials that are not RUNNING. */
export function reportIntermediate(
  study: StudyReader,
  trialId: string,
  value: IntermediateValue,
  _now: number,
): OpOutcome<void> {
  checkIntermediate(trialId, value);
  const updated = withIntermediate(findTrial(study, trialId), value);
  return updated ? { change: { trials: [updated] }, result: undefined } : unchanged(undefined);
}

export function checkIntermediate(trialId: string, value: IntermediateValue): void {
  if (!Number.isFinite(value?.step) || typeof value.value !== 'number' || Number.isNaN(value.value)) {
    throw new InputError(`trial ${trialId}: intermediate value`, 'needs a finite step and a numeric value');
  }
}

/** The trial with `value` recorded (replacing one at the same step), or null when it is not RUNNING. */
export function withIntermediate(trial: Trial, value: IntermediateValue): Trial | null {
  if (trial.state !== 'RUNNING') return null;
  const intermediate = (trial.intermediate ?? []).filter((v) => v.step !== value.step);
  intermediate.push({ step: value.step, value: value.value });
  intermediate.sort((a, b) => a.step - b.step);
  return { ...trial, intermediate, rev: trial.rev + 1 };
}

export function finishTrial(study: StudyReader, trialId: string, result: TrialResult, now: number): OpOutcome<Trial> {
  const current = findTrial(study, trialId);
  if (isFinished(current.state)) return unchanged(current);
  checkResult(study, current, result);
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
    if (shouldRetry(study.record.spec, current, reason)) trials.push(retryOf(study, finished, study.nextNumber, now));
  }
  return withDone(study, trials, now, finished);
}

export function failStaleTrials(study: StudyReader, graceMs: number, now: number): OpOutcome<Trial[]> {
  if (!Number.isFinite(graceMs) || graceMs < 0) {
    throw new InputError('heartbeat grace', `must be >= 0 ms, got ${graceMs}`);
  }
  const failed: Trial[] = [];
  const retries: Trial[] = [];
  for (const trial of runningTrials(study)) {
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
    if (shouldRetry(study.record.spec, trial, 'stale')) {
      retries.push(retryOf(study, stale, study.nextNumber + retries.length, now));
    }
  }
  if (failed.length === 0) return unchanged([]);
  return withDone(study, [...failed, ...retries], now, failed);
}

export function findTrial(study: StudyReader, trialId: string): Trial {
  const trial = study.trialById(trialId);
  if (!trial) throw new InputError(`trial ${trialId}`, `not found in study "${study.record.name}"`);
  return trial;
}

/** The trial behind an id from an index or queue, if it is (still) in `state`. */
function inState(study: StudyReader, id: string | undefined, state: Trial['state']): Trial | undefined {
  const trial = id === undefined ? undefined : study.trialById(id);
  return trial?.state === state ? trial : undefined;
}

/** The trial the param-key index gives for `key` in `state`, checked against the trial itself. */
export function trialWithKey(study: StudyReader, key: string, state: KeyedState): Trial | undefined {
  const trial = inState(study, study.keyHolder(key, state), state);
  if (!trial || trial.paramKey !== key) return undefined;
  return state === 'COMPLETE' && trial.reusedFrom !== undefined ? undefined : trial;
}

/** RUNNING trials by number, so that retries get their numbers in the same order on every store. */
function runningTrials(study: StudyReader): Trial[] {
  const running: Trial[] = [];
  for (const id of study.runningIds()) {
    const trial = inState(study, id, 'RUNNING');
    if (trial) running.push(trial);
  }
  return running.sort((a, b) => a.number - b.number);
}

/** A new trial (rev 1, WAITING until the caller says otherwise) with the given params, key and attributes. */
function freshTrial(
  study: StudyReader,
  from: Pick<Trial, 'params' | 'paramKey' | 'attrs'> & { id?: string },
  number: number,
  now: number,
): Trial {
  const trial: Trial = {
    id: from.id ?? newTrialId(now),
    number,
    study: study.record.name,
    state: 'WAITING',
    params: { ...from.params },
    paramKey: from.paramKey,
    createdAt: now,
    rev: 1,
  };
  if (from.attrs !== undefined) trial.attrs = clone(from.attrs);
  return trial;
}

/** The trial a claim creates, owned by the claiming worker (state and times set by the caller). */
function newTrial(study: StudyReader, request: ClaimRequest, now: number): Trial {
  checkParams(request.params, request.paramKey);
  const { host, workerId, pid } = request.worker;
  return { ...freshTrial(study, request, study.nextNumber, now), host, workerId, pid };
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
function retryOf(study: StudyReader, failed: Trial, number: number, now: number): Trial {
  const { params, paramKey, attrs } = failed;
  const trial = freshTrial(study, { params, paramKey, attrs }, number, now);
  return { ...trial, retryOf: failed.number, retryCount: (failed.retryCount ?? 0) + 1 };
}

/** A claim that created or started a trial also starts a PENDING study. */
function started<T>(study: StudyReader, now: number, trial: Trial, result: T): OpOutcome<T> {
  const change: StudyChange = { trials: [trial] };
  if (study.record.state === 'PENDING') change.record = { ...study.record, state: 'RUNNING', startedAt: now };
  return { change, result };
}

function budgetUsedUp(study: StudyReader): boolean {
  const maxTrials = study.record.spec.limits.maxTrials;
  return maxTrials !== undefined && study.budgetUsed >= maxTrials;
}

function withDone<T>(study: StudyReader, trials: Trial[], now: number, result: T): OpOutcome<T> {
  const record = doneIfSettled(study, trials, now);
  return { change: record ? { record, trials } : { trials }, result };
}

/** The DONE record when, after `changed`, the budget is used up and nothing is RUNNING or WAITING. */
function doneIfSettled(study: StudyReader, changed: readonly Trial[], now: number): StudyRecord | undefined {
  const record = study.record;
  const maxTrials = record.spec.limits.maxTrials;
  if (maxTrials === undefined || isTerminal(record.state)) return undefined;
  let { budgetUsed, runningCount: running, waitingCount: waiting } = study;
  for (const trial of changed) {
    const before = study.trialById(trial.id);
    for (const [version, sign] of [[before, -1], [trial, 1]] as const) {
      if (!version) continue;
      if (countsTowardBudget(version)) budgetUsed += sign;
      if (version.state === 'RUNNING') running += sign;
      if (version.state === 'WAITING') waiting += sign;
    }
  }
  if (budgetUsed < maxTrials || running > 0 || waiting > 0) return undefined;
  return { ...record, state: 'DONE', endedAt: now, startedAt: record.startedAt ?? now };
}

function checkParams(params: Params, paramKey: string | null): void {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new InputError('params', 'must be an object of parameter values');
  }
  if (paramKey !== null && typeof paramKey !== 'string') throw new InputError('paramKey', 'must be a string or null');
}

function checkResult(study: StudyReader, trial: Trial, result: TrialResult): void {
  const where = `trial ${trial.number} of study "${study.record.name}": result`;
  if (result.state !== 'COMPLETE' && result.state !== 'PRUNED' && result.state !== 'FAIL') {
    throw new InputError(`${where}.state`, `must be COMPLETE, PRUNED or FAIL, got ${String(result.state)}`);
  }
  if (result.values !== undefined && !(Array.isArray(result.values) && result.values.every(isNumber))) {
    throw new InputError(`${where}.values`, 'must be a list of numbers');
  }
  const objectives = study.record.spec.objectives.length;
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
