import type { StudyRecord, Trial } from '../model.js';

/** What one store operation decided to write: the study record when it changed, and each trial it created or changed. */
export interface StudyChange {
  record?: StudyRecord;
  trials: Trial[];
}

/** The param-key index keeps, per key, the WAITING and RUNNING trials and the COMPLETE trial to copy from. */
export type KeyedState = 'WAITING' | 'RUNNING' | 'COMPLETE';

/**
 * What the store decisions (study-ops.ts) need to know about one study. The memory and file stores answer from
 * their in-memory StudyBook; the Redis store from the few keys it read for the operation at hand (a merged
 * snapshot of its masters), so an answer may be stale: the decisions only trust an id from an index or queue after
 * looking the trial up and finding it in the expected state.
 */
export interface StudyReader {
  readonly record: StudyRecord;
  /** The number the next new trial gets. */
  readonly nextNumber: number;
  /** How many trials count toward `limits.maxTrials` (countsTowardBudget). */
  readonly budgetUsed: number;
  readonly runningCount: number;
  readonly waitingCount: number;
  trialById(id: string): Trial | undefined;
  /**
   * The id of the oldest WAITING (or RUNNING) trial with `paramKey`; for COMPLETE, the first COMPLETE trial with it
   * that ran (was not itself reused).
   */
  keyHolder(paramKey: string, state: KeyedState): string | undefined;
  /** The head of the WAITING queue (the oldest enqueued trial). */
  oldestWaitingId(): string | undefined;
  /** Every RUNNING trial's id (the Redis store: only when the operation asked for them). */
  runningIds(): Iterable<string>;
}
