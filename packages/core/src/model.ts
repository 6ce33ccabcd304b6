// The study/trial model shared by every package. Plain data only: everything here is JSON-serialisable,
// because stores keep it as JSON and workers on other hosts read it back.

export const STORE_FORMAT_VERSION = 1;

export type Direction = 'minimize' | 'maximize';

export type StudyState = 'PENDING' | 'RUNNING' | 'DONE' | 'TIMEOUT' | 'STOPPED' | 'ERROR';
export const TERMINAL_STUDY_STATES: readonly StudyState[] = ['DONE', 'TIMEOUT', 'STOPPED', 'ERROR'];

export type TrialState = 'WAITING' | 'RUNNING' | 'COMPLETE' | 'PRUNED' | 'FAIL';

export type FailReason =
  | 'error'
  | 'timeout'
  | 'crashed'
  | 'interrupted'
  | 'stale'
  | 'duplicate_running'
  | 'invalid_output';

export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

export interface ObjectiveSpec {
  name: string;
  direction: Direction;
}

/** Which process ran (or is running) a trial. */
export interface WorkerInfo {
  host: string;
  workerId: string;
  pid: number;
}

export interface IntermediateValue {
  step: number;
  value: number;
}

export interface Trial {
  /** Unique id made by the writer (time + randomness); needs no central counter. */
  id: string;
  /** 0-based, unique within the study, assigned by the store when the trial is created. */
  number: number;
  study: string;
  state: TrialState;
  params: Params;
  /** Canonical key of `params` (see space/canonical.ts); null for define-by-run trials. */
  paramKey: string | null;
  /** One value per objective, in the order of the study's objectives. COMPLETE only. */
  values?: number[];
  /** Everything the objective reported, by name. */
  metrics?: Record<string, number>;
  intermediate?: IntermediateValue[];
  failReason?: FailReason;
  /** Human-readable detail for FAIL (stderr tail, parse error, ...). */
  error?: string;
  /** COMPLETE without running: number of the COMPLETE trial whose values were copied. */
  reusedFrom?: number;
  /** FAIL(duplicate_running): number of the RUNNING trial that holds the same params. */
  duplicateOf?: number;
  /** A WAITING trial re-enqueued from a failed one keeps the failed trial's number here. */
  retryOf?: number;
  /** How many times these params have been re-enqueued so far (0 for a fresh configuration). */
  retryCount?: number;
  host?: string;
  workerId?: string;
  pid?: number;
  /** ms since epoch */
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  heartbeatAt?: number;
  /** Free-form attributes: sampler name, log file path, source of the suggestion, ... */
  attrs?: Record<string, unknown>;
  /** Bumped on every write of this trial; a reader keeps the copy with the highest rev. */
  rev: number;
}

export interface SamplerConfig {
  name: 'random' | 'grid' | 'tpe' | 'nsga2' | 'anneal' | 'evolution' | 'coordinate';
  /** Sampler-specific options (TPE: nStartupTrials, nEiCandidates, multivariate, constantLiar, ...). */
  options?: Record<string, unknown>;
}

/** A constraint on a reported metric (or objective), e.g. recall >= 0.9. Optuna's semantics: see multi/constraints.ts. */
export interface ConstraintSpec {
  metric: string;
  op: '>=' | '<=';
  bound: number;
}

/** Early stopping from intermediate values (see pruners/). */
export interface PrunerConfig {
  name: 'none' | 'median' | 'percentile' | 'asha';
  options?: Record<string, unknown>;
}

export interface Limits {
  maxTrials?: number;
  maxExecSeconds?: number;
  /** Workers/slots a `swarmtune run` starts when --workers is not given. */
  trialConcurrency?: number;
}

/** What a study needs to run, stored with it so that any worker can pick it up. */
export interface StudySpec {
  name: string;
  objectives: ObjectiveSpec[];
  /** Normalised search space (see space/). */
  searchSpace: Record<string, unknown>;
  sampler: SamplerConfig;
  limits: Limits;
  /** How a trial is evaluated; opaque to core, read by the runner. */
  objective?: Record<string, unknown>;
  seed?: number;
  /** Re-enqueue params of trials that failed for infrastructure reasons (stale, interrupted, crashed). */
  retryFailed?: { enabled: boolean; maxRetries: number };
  /** Constraints on metrics; infeasible trials never make the Pareto front or "best". */
  constraints?: ConstraintSpec[];
  /** Stops running trials early from their intermediate values; none when absent. */
  pruner?: PrunerConfig;
  /** Heartbeat interval and grace after which a RUNNING trial is failed `stale`. */
  heartbeat?: { intervalSeconds: number; graceSeconds: number };
}

export interface StudyRecord {
  name: string;
  spec: StudySpec;
  state: StudyState;
  /** Why the study ended, for ERROR/STOPPED. */
  stateReason?: string;
  /** Set with STOPPED by `study stop --now`: running trials are interrupted rather than finished. */
  stopNow?: boolean;
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  formatVersion: number;
}

/** What a finished evaluation reports back. */
export interface TrialResult {
  state: 'COMPLETE' | 'PRUNED' | 'FAIL';
  values?: number[];
  metrics?: Record<string, number>;
  intermediate?: IntermediateValue[];
  failReason?: FailReason;
  error?: string;
  attrs?: Record<string, unknown>;
  /** Define-by-run trials learn their params while running. */
  params?: Params;
}

export function isFinished(state: TrialState): boolean {
  return state === 'COMPLETE' || state === 'PRUNED' || state === 'FAIL';
}

/**
 * Which trials use up the study's `maxTrials` budget: everything that ran or is running on its own params.
 * Reused COMPLETE trials (nothing ran), FAIL(duplicate_running) (nothing ran) and failures caused by the
 * infrastructure rather than the objective (stale, interrupted) do not count: their configuration is still owed an
 * evaluation. An objective that fails on its own (error, timeout, crashed, invalid_output) does count, so a
 * broken objective cannot loop forever.
 */
export function countsTowardBudget(t: Trial): boolean {
  switch (t.state) {
    case 'WAITING':
    case 'RUNNING':
    case 'PRUNED':
      return true;
    case 'COMPLETE':
      return t.reusedFrom === undefined;
    case 'FAIL':
      return t.failReason !== 'duplicate_running' && t.failReason !== 'stale' && t.failReason !== 'interrupted';
  }
}

export const DEFAULT_RETRY = { enabled: true, maxRetries: 3 } as const;
export const DEFAULT_HEARTBEAT = { intervalSeconds: 5, graceSeconds: 30 } as const;

/**
 * Whether a trial that failed with `reason` gets its params re-enqueued as WAITING. Only failures that say
 * nothing about the configuration itself (the worker was interrupted or vanished) are retried, at most
 * `maxRetries` times for one configuration.
 */
export function shouldRetry(spec: StudySpec, trial: Trial, reason: FailReason): boolean {
  if (reason !== 'interrupted' && reason !== 'stale') return false;
  const retry = spec.retryFailed ?? DEFAULT_RETRY;
  return retry.enabled && (trial.retryCount ?? 0) < retry.maxRetries;
}
