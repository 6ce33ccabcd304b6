import type {
  IntermediateValue,
  Params,
  StudyRecord,
  StudySpec,
  StudyState,
  Trial,
  TrialResult,
  WorkerInfo,
} from '../model.js';

/** Result of claiming a configuration for evaluation. Every kind but the last two created one new trial. */
export type ClaimOutcome =
  /** A new RUNNING trial (or a WAITING one with the same key, now RUNNING) owned by the caller: run it. */
  | { kind: 'claimed'; trial: Trial }
  /** The key was COMPLETE: a new COMPLETE trial with the same values and `reusedFrom` was recorded. Nothing to run. */
  | { kind: 'reused'; trial: Trial }
  /** The key is RUNNING elsewhere: a new FAIL(duplicate_running) trial with `duplicateOf` was recorded. Sample again. */
  | { kind: 'duplicate_running'; trial: Trial }
  /** `maxTrials` is used up (see countsTowardBudget): nothing was created. */
  | { kind: 'budget_exhausted' }
  /** The study is in a terminal state: nothing was created. */
  | { kind: 'study_ended'; state: StudyState };

export interface ChangeBatch {
  /** Trials created or changed since the cursor, each in its latest version (highest `rev`). */
  trials: Trial[];
  /** Opaque; pass it to the next readChanges call. */
  cursor: string;
  /** The study record as of the same read, for stores that can read it in the same step (saves a getStudy). */
  record?: StudyRecord;
}

export type StudyEvent = { type: 'stop'; now: boolean; study: string };

export interface StopOptions {
  /** Interrupt running trials instead of letting them finish. */
  now: boolean;
}

/**
 * Where studies and trials live. Every method that changes more than one thing is atomic on the store: two
 * workers (processes, hosts) calling at once never see or leave a half-done change.
 *
 * Implementations: memory (one process), file (several processes on one machine), redis / keydb (many hosts).
 * All times are ms since epoch and are passed in by the caller so that tests control them.
 * The decisions of every implementation are the shared functions of study-ops.ts. A study (or trial) that does not
 * exist, bad arguments and bad results are an InputError; a store that cannot be reached or read is a StoreError.
 */
export interface Store {
  /** The URL with any password replaced by `***`: safe to log. */
  readonly displayUrl: string;

  /** Creates the study if it does not exist. An existing study is returned as it is (`created: false`). */
  createStudy(spec: StudySpec, now: number): Promise<{ record: StudyRecord; created: boolean }>;
  getStudy(name: string): Promise<StudyRecord | null>;
  listStudies(): Promise<StudyRecord[]>;
  /**
   * Moves the study to `state` unless it is already terminal (DONE, TIMEOUT, STOPPED, ERROR stay as they are).
   * Returns the state the study has afterwards.
   */
  setStudyState(name: string, state: StudyState, now: number, reason?: string): Promise<StudyState>;
  /**
   * `study stop`: state STOPPED (visible to workers that poll) plus a `stop` event to subscribers. A STOPPED study
   * can still be escalated to `now`; on a DONE, TIMEOUT or ERROR study it does nothing.
   */
  stopStudy(name: string, options: StopOptions, now: number): Promise<void>;

  /**
   * Atomically: if the study is terminal -> study_ended; if a WAITING trial with `paramKey` exists -> it becomes
   * RUNNING for `worker` (claimed); if a COMPLETE (not itself reused) trial has `paramKey` -> reused; if a RUNNING
   * trial has it -> duplicate_running; if the budget is used up -> budget_exhausted; else a new RUNNING trial.
   * `paramKey` null (define-by-run) skips the key checks. A PENDING study becomes RUNNING.
   */
  claimParams(
    study: string,
    params: Params,
    paramKey: string | null,
    worker: WorkerInfo,
    now: number,
    attrs?: Record<string, unknown>,
  ): Promise<ClaimOutcome>;
  /** Oldest WAITING trial -> RUNNING for `worker`, or null when there is none (or the study is terminal). */
  claimWaiting(study: string, worker: WorkerInfo, now: number): Promise<Trial | null>;
  /** Adds a WAITING trial (user-enqueued params, or a retry). Counts toward the budget. */
  enqueueTrial(
    study: string,
    params: Params,
    paramKey: string | null,
    now: number,
    options?: { retryOf?: number; retryCount?: number; attrs?: Record<string, unknown> },
  ): Promise<Trial>;

  /** Refreshes `heartbeatAt` of RUNNING trials (ignored for trials that are no longer RUNNING). */
  heartbeat(study: string, trialIds: readonly string[], now: number): Promise<void>;
  /** Records (or replaces) the value at `value.step`; ignored when the trial is no longer RUNNING. */
  reportIntermediate(study: string, trialId: string, value: IntermediateValue, now: number): Promise<void>;
  /**
   * RUNNING -> COMPLETE | PRUNED | FAIL. Idempotent: finishing a trial that is already finished returns it
   * unchanged (a result delivered twice is recorded once). A FAIL(interrupted | stale) re-enqueues the params as a
   * WAITING trial when the study's `retryFailed` allows (see shouldRetry), in the same atomic step.
   * When the budget is used up and nothing is RUNNING or WAITING any more, the study becomes DONE.
   * A COMPLETE result needs one value per objective of the study (InputError otherwise).
   */
  finishTrial(study: string, trialId: string, result: TrialResult, now: number): Promise<Trial>;
  /** Every RUNNING trial whose heartbeat (or start) is older than `graceMs` -> FAIL(stale), re-enqueued as above. */
  failStaleTrials(study: string, graceMs: number, now: number): Promise<Trial[]>;

  /** What changed since `cursor` (null: everything). The cost depends on the size of the change, not the study. */
  readChanges(study: string, cursor: string | null): Promise<ChangeBatch>;
  /** Every trial of the study, ordered by number. */
  getTrials(study: string): Promise<Trial[]>;

  /** Stop events for one study. Stores without push delivery may poll. Returns the unsubscribe function. */
  subscribe(study: string, listener: (event: StudyEvent) => void): Promise<() => Promise<void>>;

  close(): Promise<void>;
}
