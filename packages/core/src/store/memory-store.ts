import { EventEmitter } from 'node:events';
import { InputError } from '../errors.js';
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
import { changesSince } from './change-cursor.js';
import type { ChangeBatch, ClaimOutcome, StopOptions, Store, StudyEvent } from './store.js';
import { StudyBook } from './study-book.js';
import * as ops from './study-ops.js';

const namedStores = new Map<string, MemoryStore>();

/**
 * Studies in this process's memory. `memory:` is a fresh store; `memory:NAME` is one store per name per process, so
 * that parts of one process (a CLI run and its in-process workers) can share it. Every operation runs synchronously
 * on the study book, which makes it atomic. Returned objects are copies: callers cannot change the book.
 */
export class MemoryStore implements Store {
  private readonly books = new Map<string, StudyBook>();
  private readonly events = new EventEmitter();

  constructor(readonly displayUrl: string = 'memory:') {
    this.events.setMaxListeners(0);
  }

  /** `memory:` -> a new store; `memory:NAME` -> the store of that name in this process (made on first use). */
  static open(url: string = 'memory:'): MemoryStore {
    if (!url.startsWith('memory:')) throw new InputError('store', `"${url}" is not a memory: URL`);
    const name = url.slice('memory:'.length);
    if (name === '') return new MemoryStore(url);
    let store = namedStores.get(name);
    if (!store) {
      store = new MemoryStore(url);
      namedStores.set(name, store);
    }
    return store;
  }

  async createStudy(spec: StudySpec, now: number): Promise<{ record: StudyRecord; created: boolean }> {
    const existing = this.books.get(spec?.name);
    if (existing) return { record: copy(existing.record), created: false };
    const book = new StudyBook(ops.newStudyRecord(spec, now));
    this.books.set(book.name, book);
    return { record: copy(book.record), created: true };
  }

  async getStudy(name: string): Promise<StudyRecord | null> {
    const book = this.books.get(name);
    return book ? copy(book.record) : null;
  }

  async listStudies(): Promise<StudyRecord[]> {
    return sortStudies([...this.books.values()].map((b) => copy(b.record)));
  }

  async setStudyState(name: string, state: StudyState, now: number, reason?: string): Promise<StudyState> {
    return this.run(name, (book) => ops.setStudyState(book, state, now, reason));
  }

  async stopStudy(name: string, options: StopOptions, now: number): Promise<void> {
    const before = this.book(name).record;
    const record = this.run(name, (book) => ops.stopStudy(book, options, now));
    if (record !== before && record.state === 'STOPPED') {
      const event: StudyEvent = { type: 'stop', now: record.stopNow === true, study: name };
      this.events.emit(name, event);
    }
  }

  async claimParams(
    study: string,
    params: Params,
    paramKey: string | null,
    worker: WorkerInfo,
    now: number,
    attrs?: Record<string, unknown>,
  ): Promise<ClaimOutcome> {
    return copy(this.run(study, (book) => ops.claimParams(book, { params, paramKey, worker, attrs }, now)));
  }

  async claimWaiting(study: string, worker: WorkerInfo, now: number): Promise<Trial | null> {
    return copy(this.run(study, (book) => ops.claimWaiting(book, worker, now)));
  }

  async enqueueTrial(
    study: string,
    params: Params,
    paramKey: string | null,
    now: number,
    options?: { retryOf?: number; retryCount?: number; attrs?: Record<string, unknown> },
  ): Promise<Trial> {
    return copy(this.run(study, (book) => ops.enqueueTrial(book, { params, paramKey, ...options }, now)));
  }

  async heartbeat(study: string, trialIds: readonly string[], now: number): Promise<void> {
    this.run(study, (book) => ops.heartbeat(book, trialIds, now));
  }

  async reportIntermediate(study: string, trialId: string, value: IntermediateValue, now: number): Promise<void> {
    this.run(study, (book) => ops.reportIntermediate(book, trialId, value, now));
  }

  async finishTrial(study: string, trialId: string, result: TrialResult, now: number): Promise<Trial> {
    return copy(this.run(study, (book) => ops.finishTrial(book, trialId, result, now)));
  }

  async failStaleTrials(study: string, graceMs: number, now: number): Promise<Trial[]> {
    return copy(this.run(study, (book) => ops.failStaleTrials(book, graceMs, now)));
  }

  async readChanges(study: string, cursor: string | null): Promise<ChangeBatch> {
    return copy(changesSince(this.books.get(study), cursor));
  }

  async getTrials(study: string): Promise<Trial[]> {
    return copy([...(this.books.get(study)?.allTrials() ?? [])]);
  }

  async subscribe(study: string, listener: (event: StudyEvent) => void): Promise<() => Promise<void>> {
    this.events.on(study, listener);
    // Like a store that polls: a study stopped before the subscription still tells the subscriber.
    const record = this.books.get(study)?.record;
    if (record?.state === 'STOPPED') {
      const event: StudyEvent = { type: 'stop', now: record.stopNow === true, study };
      queueMicrotask(() => listener(event));
    }
    return async () => {
      this.events.off(study, listener);
    };
  }

  /** Nothing to release: the data lives as long as the store object (a named store: as long as the process). */
  async close(): Promise<void> {}

  private book(name: string): StudyBook {
    const book = this.books.get(name);
    if (!book) throw new InputError(`study "${name}"`, `not found in ${this.displayUrl}`);
    return book;
  }

  private run<T>(study: string, op: (book: StudyBook) => ops.OpOutcome<T>): T {
    const book = this.book(study);
    const { change, result } = op(book);
    book.apply(change);
    return result;
  }
}

export function sortStudies(records: StudyRecord[]): StudyRecord[] {
  return records.sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name));
}

function copy<T>(value: T): T {
  return structuredClone(value);
}
