import { countsTowardBudget, InputError, type StudyRecord, type Trial } from '@swarmtune/core';
import type { Snapshot } from './snapshot.js';

export interface Counts {
  budgetUsed: number;
  running: number;
  waiting: number;
}

/**
 * The part of a study an operation looks at, backed by a Snapshot instead of the whole study: the same questions
 * the in-memory StudyBook of @swarmtune/core answers, so that the operations below read like the reference ones.
 */
export class StudyView {
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

  counts(): Counts {
    return { budgetUsed: this.snap.budget, running: this.snap.runningCount, waiting: this.snap.waitingCount };
  }

  countsAfter(changed: readonly Trial[]): Counts {
    const after = this.counts();
    for (const trial of changed) {
      const old = this.snap.trials.get(trial.id);
      if (old) count(after, old, -1);
      count(after, trial, 1);
    }
    return after;
  }

  trialById(id: string): Trial | undefined {
    return this.snap.trials.get(id);
  }

  oldestWaiting(): Trial | undefined {
    return this.inState(this.snap.oldestWaiting, 'WAITING');
  }

  runningTrials(): Trial[] {
    return this.snap.runningIds
      .map((id) => this.snap.trials.get(id))
      .filter((t): t is Trial => t?.state === 'RUNNING')
      .sort((a, b) => a.number - b.number);
  }

  waitingWithKey(key: string): Trial | undefined {
    return this.inState(this.snap.byKey.W, 'WAITING', key);
  }

  runningWithKey(key: string): Trial | undefined {
    return this.inState(this.snap.byKey.R, 'RUNNING', key);
  }

  completeWithKey(key: string): Trial | undefined {
    const t = this.inState(this.snap.byKey.C, 'COMPLETE', key);
    return t && t.reusedFrom === undefined ? t : undefined;
  }

  private inState(id: string | undefined, state: Trial['state'], key?: string): Trial | undefined {
    const t = id === undefined ? undefined : this.snap.trials.get(id);
    if (!t || t.state !== state) return undefined;
    return key === undefined || t.paramKey === key ? t : undefined;
  }
}

function count(counts: Counts, trial: Trial, sign: 1 | -1): void {
  if (countsTowardBudget(trial)) counts.budgetUsed += sign;
  if (trial.state === 'RUNNING') counts.running += sign;
  if (trial.state === 'WAITING') counts.waiting += sign;
}
