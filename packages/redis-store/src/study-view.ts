import { InputError, type KeyedState, type StudyReader, type StudyRecord, type Trial } from '@swarmtune/core';
import type { Snapshot } from './snapshot.js';

/**
 * A study as the shared store decisions of @swarmtune/core see it, backed by a Snapshot: only the counters, the
 * index entries and the trials that readStudy-5.lua was asked for. With several masters the snapshot is merged, so
 * an index entry may point at a trial whose newest copy has moved on; the decisions check each trial's state.
 */
export class StudyView implements StudyReader {
  readonly record: StudyRecord;

  constructor(
    readonly name: string,
    private readonly snap: Snapshot,
  ) {
    if (!snap.record) throw new InputError(`study "${name}"`, 'not found in the store');
    this.record = snap.record;
  }

  get nextNumber(): number {
    return this.snap.next;
  }

  get budgetUsed(): number {
    return this.snap.budget;
  }

  get runningCount(): number {
    return this.snap.runningCount;
  }

  get waitingCount(): number {
    return this.snap.waitingCount;
  }

  trialById(id: string): Trial | undefined {
    return this.snap.trials.get(id);
  }

  keyHolder(_paramKey: string, state: KeyedState): string | undefined {
    // The snapshot holds the index entries of the one key the operation asked for; the decisions check the key.
    if (state === 'WAITING') return this.snap.byKey.W;
    if (state === 'RUNNING') return this.snap.byKey.R;
    return this.snap.byKey.C;
  }

  oldestWaitingId(): string | undefined {
    return this.snap.oldestWaiting;
  }

  runningIds(): Iterable<string> {
    return this.snap.runningIds;
  }
}
