import { StoreError } from '../errors.js';
import { countsTowardBudget, type StudyRecord, type Trial, type TrialState } from '../model.js';
import type { KeyedState, StudyChange, StudyReader } from './study-reader.js';

/** What one store operation wrote (the journal's entries are these). */
export type BookChange = StudyChange;

interface TrialsWithKey {
  waiting: Set<number>;
  running: Set<number>;
  /** The first COMPLETE trial with this key that ran (was not itself reused): the one to copy from. */
  complete?: number;
}

/**
 * One study's record and trials, in memory, with the indexes that claims need so that every operation is O(1)
 * in the size of the study. The book changes only through `apply`, so replaying the same changes in the same order
 * (as every process reading a file journal does) yields the same book, including the change sequence that
 * readChanges cursors point into.
 */
export class StudyBook implements StudyReader {
  private studyRecord: StudyRecord;
  private readonly trials: Trial[] = [];
  private readonly numberById = new Map<string, number>();
  private readonly byKey = new Map<string, TrialsWithKey>();
  /** WAITING trial numbers; a Set keeps insertion (= enqueue) order and deletes in O(1). */
  private readonly waiting = new Set<number>();
  private readonly running = new Set<number>();
  private budget = 0;
  /** The number of the trial each write touched, in order; a readChanges cursor is an index into it. */
  private readonly changeLog: number[] = [];

  constructor(record: StudyRecord) {
    this.studyRecord = record;
  }

  get name(): string {
    return this.studyRecord.name;
  }

  get record(): StudyRecord {
    return this.studyRecord;
  }

  get nextNumber(): number {
    return this.trials.length;
  }

  get changeSeq(): number {
    return this.changeLog.length;
  }

  get budgetUsed(): number {
    return this.budget;
  }

  get runningCount(): number {
    return this.running.size;
  }

  get waitingCount(): number {
    return this.waiting.size;
  }

  trialByNumber(number: number): Trial | undefined {
    return this.trials[number];
  }

  trialById(id: string): Trial | undefined {
    const number = this.numberById.get(id);
    return number === undefined ? undefined : this.trials[number];
  }

  allTrials(): readonly Trial[] {
    return this.trials;
  }

  oldestWaitingId(): string | undefined {
    return this.idOfFirst(this.waiting);
  }

  *runningIds(): Iterable<string> {
    for (const number of this.running) yield this.trials[number]!.id;
  }

  keyHolder(paramKey: string, state: KeyedState): string | undefined {
    const entry = this.byKey.get(paramKey);
    if (!entry) return undefined;
    if (state === 'WAITING') return this.idOfFirst(entry.waiting);
    if (state === 'RUNNING') return this.idOfFirst(entry.running);
    return entry.complete === undefined ? undefined : this.trials[entry.complete]!.id;
  }

  /** Latest versions of the trials written after change `seq`, ordered by number. */
  changedSince(seq: number): Trial[] {
    const numbers = new Set<number>();
    for (let i = seq; i < this.changeLog.length; i++) numbers.add(this.changeLog[i]!);
    return [...numbers].sort((a, b) => a - b).map((n) => this.trials[n]!);
  }

  apply(change: BookChange): void {
    if (change.record) {
      if (change.record.name !== this.name) {
        throw new StoreError(`study record "${change.record.name}" written into study "${this.name}"`);
      }
      this.studyRecord = change.record;
    }
    for (const trial of change.trials) this.put(trial);
  }

  private put(trial: Trial): void {
    if (trial.study !== this.name) {
      throw new StoreError(`trial ${trial.id} of study "${trial.study}" written into study "${this.name}"`);
    }
    const old = this.trials[trial.number];
    if (old) {
      if (old.id !== trial.id) {
        throw new StoreError(`study "${this.name}": trial number ${trial.number} is taken by ${old.id}, not ${trial.id}`);
      }
      this.unindex(old);
    } else if (trial.number !== this.trials.length) {
      throw new StoreError(
        `study "${this.name}": trial ${trial.id} has number ${trial.number}, expected ${this.trials.length}`,
      );
    } else {
      const owner = this.numberById.get(trial.id);
      if (owner !== undefined) {
        throw new StoreError(`study "${this.name}": trial id ${trial.id} is used by trial ${owner} already`);
      }
      this.numberById.set(trial.id, trial.number);
    }
    this.trials[trial.number] = trial;
    this.index(trial);
    this.changeLog.push(trial.number);
  }

  private index(trial: Trial): void {
    if (countsTowardBudget(trial)) this.budget++;
    this.stateSet(trial.state)?.add(trial.number);
    if (trial.paramKey === null) return;
    const entry = this.keyEntry(trial.paramKey);
    if (trial.state === 'WAITING') entry.waiting.add(trial.number);
    else if (trial.state === 'RUNNING') entry.running.add(trial.number);
    else if (trial.state === 'COMPLETE' && trial.reusedFrom === undefined && entry.complete === undefined) {
      entry.complete = trial.number;
    }
  }

  private unindex(trial: Trial): void {
    if (countsTowardBudget(trial)) this.budget--;
    this.stateSet(trial.state)?.delete(trial.number);
    if (trial.paramKey === null) return;
    const entry = this.byKey.get(trial.paramKey);
    if (!entry) return;
    entry.waiting.delete(trial.number);
    entry.running.delete(trial.number);
    if (entry.complete === trial.number) delete entry.complete;
  }

  private stateSet(state: TrialState): Set<number> | undefined {
    if (state === 'WAITING') return this.waiting;
    if (state === 'RUNNING') return this.running;
    return undefined;
  }

  private keyEntry(key: string): TrialsWithKey {
    let entry = this.byKey.get(key);
    if (!entry) {
      entry = { waiting: new Set(), running: new Set() };
      this.byKey.set(key, entry);
    }
    return entry;
  }

  private idOfFirst(numbers: Set<number>): string | undefined {
    for (const number of numbers) return this.trials[number]!.id;
    return undefined;
  }
}
