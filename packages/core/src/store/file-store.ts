import { resolve } from 'node:path';
import { InputError, StoreError } from '../errors.js';
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
import { FileLock } from './file-lock.js';
import { JournalFile } from './journal-file.js';
import { entryLine, type JournalEntry } from './journal-format.js';
import { sortStudies } from './memory-store.js';
import type { ChangeBatch, ClaimOutcome, StopOptions, Store, StudyEvent } from './store.js';
import { StudyBook, type BookChange } from './study-book.js';
import * as ops from './study-ops.js';

export interface FileStoreOptions {
  /** A write lock older than this is broken (default 10 s; a holder keeps it for microseconds). */
  lockStaleMs?: number;
  /** How long a write waits for the lock before a transient StoreError (default 30 s). */
  lockTimeoutMs?: number;
  /** How often subscribe() looks for a STOPPED study (default 500 ms). */
  pollMs?: number;
  /** fdatasync after each append: survives a machine crash, at a cost per write (default false). */
  fsync?: boolean;
  /** Where warnings go (torn lines, broken locks); default process.emitWarning. */
  warn?: (message: string) => void;
}

interface Subscription {
  study: string;
  listener: (event: StudyEvent) => void;
  deliveredStop: boolean;
  deliveredNow: boolean;
}

/**
 * The embedded store: one append-only JSONL journal holding every study of the file, shared safely by several
 * processes of one machine. Each process replays the journal into study books (reading only what it has not read
 * yet); a write takes the lock file, catches up, runs the operation on the book, appends one line with the
 * resulting records and releases the lock. Reads catch up without the lock.
 */
export class FileStore implements Store {
  private readonly books = new Map<string, StudyBook>();
  private readonly lock: FileLock;
  private readonly subscriptions = new Set<Subscription>();
  private readonly pollMs: number;
  private readonly warn: (message: string) => void;
  private queue: Promise<unknown> = Promise.resolve();
  private poller: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(
    private readonly journal: JournalFile,
    readonly displayUrl: string,
    options: FileStoreOptions,
  ) {
    this.warn = options.warn ?? defaultWarn;
    this.pollMs = options.pollMs ?? 500;
    this.lock = new FileLock(`${journal.path}.lock`, {
      staleMs: options.lockStaleMs ?? 10_000,
      timeoutMs: options.lockTimeoutMs ?? 30_000,
      warn: this.warn,
    });
  }

  /** Opens (creating the folder and file when missing) and reads the journal; a corrupted one is a StoreError. */
  static async open(path: string, options: FileStoreOptions = {}): Promise<FileStore> {
    const absolute = resolve(path);
    const warn = options.warn ?? defaultWarn;
    const journal = JournalFile.open(absolute, { fsync: options.fsync ?? false, warn });
    const store = new FileStore(journal, `file:${path}`, options);
    try {
      store.catchUp(false);
    } catch (error) {
      journal.close();
      throw error;
    }
    return store;
  }

  get path(): string {
    return this.journal.path;
  }

  async createStudy(spec: StudySpec, now: number): Promise<{ record: StudyRecord; created: boolean }> {
    const name = spec?.name;
    this.catchUp(false);
    const known = this.books.get(name);
    if (known) return { record: copy(known.record), created: false };
    return this.write('createStudy', name, (): ops.OpOutcome<{ record: StudyRecord; created: boolean }> => {
      const existing = this.books.get(name);
      if (existing) return { change: { trials: [] }, result: { record: existing.record, created: false } };
      const record = ops.newStudyRecord(spec, now);
      return { change: { record, trials: [] }, result: { record, created: true } };
    });
  }

  async getStudy(name: string): Promise<StudyRecord | null> {
    this.catchUp(false);
    const book = this.books.get(name);
    return book ? copy(book.record) : null;
  }

  async listStudies(): Promise<StudyRecord[]> {
    this.catchUp(false);
    return sortStudies([...this.books.values()].map((b) => copy(b.record)));
  }

  async setStudyState(name: string, state: StudyState, now: number, reason?: string): Promise<StudyState> {
    return this.writeOn('setStudyState', name, (book) => ops.setStudyState(book, state, now, reason));
  }

  async stopStudy(name: string, options: StopOptions, now: number): Promise<void> {
    await this.writeOn('stopStudy', name, (book) => ops.stopStudy(book, options, now));
    this.deliverStops();
  }

  async claimParams(
    study: string,
    params: Params,
    paramKey: string | null,
    worker: WorkerInfo,
    now: number,
    attrs?: Record<string, unknown>,
  ): Promise<ClaimOutcome> {
    return this.writeOn('claimParams', study, (book) => ops.claimParams(book, { params, paramKey, worker, attrs }, now));
  }

  async claimWaiting(study: string, worker: WorkerInfo, now: number): Promise<Trial | null> {
    return this.writeOn('claimWaiting', study, (book) => ops.claimWaiting(book, worker, now));
  }

  async enqueueTrial(
    study: string,
    params: Params,
    paramKey: string | null,
    now: number,
    options?: { retryOf?: number; retryCount?: number; attrs?: Record<string, unknown> },
  ): Promise<Trial> {
    return this.writeOn('enqueueTrial', study, (book) => ops.enqueueTrial(book, { params, paramKey, ...options }, now));
  }

  async heartbeat(study: string, trialIds: readonly string[], now: number): Promise<void> {
    await this.writeOn('heartbeat', study, (book) => ops.heartbeat(book, trialIds, now));
  }

  async reportIntermediate(study: string, trialId: string, value: IntermediateValue, now: number): Promise<void> {
    await this.writeOn('reportIntermediate', study, (book) => ops.reportIntermediate(book, trialId, value, now));
  }

  async finishTrial(study: string, trialId: string, result: TrialResult, now: number): Promise<Trial> {
    return this.writeOn('finishTrial', study, (book) => ops.finishTrial(book, trialId, result, now));
  }

  async failStaleTrials(study: string, graceMs: number, now: number): Promise<Trial[]> {
    return this.writeOn('failStaleTrials', study, (book) => ops.failStaleTrials(book, graceMs, now));
  }

  async readChanges(study: string, cursor: string | null): Promise<ChangeBatch> {
    this.catchUp(false);
    return copy(changesSince(this.books.get(study), cursor));
  }

  async getTrials(study: string): Promise<Trial[]> {
    this.catchUp(false);
    return copy([...(this.books.get(study)?.allTrials() ?? [])]);
  }

  /** Polls the study state every `pollMs` (unref'd timer) and emits `stop` when it is STOPPED (again when `now`). */
  async subscribe(study: string, listener: (event: StudyEvent) => void): Promise<() => Promise<void>> {
    this.checkOpen();
    const subscription: Subscription = { study, listener, deliveredStop: false, deliveredNow: false };
    this.subscriptions.add(subscription);
    if (!this.poller) {
      this.poller = setInterval(() => this.pollStops(), this.pollMs);
      this.poller.unref();
    }
    return async () => {
      this.subscriptions.delete(subscription);
      if (this.subscriptions.size === 0) this.stopPolling();
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopPolling();
    this.subscriptions.clear();
    await this.queue;
    this.journal.close();
  }

  private writeOn<T>(op: string, study: string, run: (book: StudyBook) => ops.OpOutcome<T>): Promise<T> {
    return this.write(op, study, () => {
      const book = this.books.get(study);
      if (!book) throw new InputError(`study "${study}"`, `not found in ${this.displayUrl}`);
      return run(book);
    });
  }

  /**
   * One write, serialised within the process by a promise queue and across processes by the lock file. Everything
   * between taking and releasing the lock is synchronous, so nothing else in this process interleaves with it.
   */
  private write<T>(op: string, study: string, compute: () => ops.OpOutcome<T>): Promise<T> {
    const run = async (): Promise<T> => {
      this.checkOpen();
      await this.lock.acquire();
      try {
        this.catchUp(true);
        const { change, result } = compute();
        if (ops.isChange(change)) {
          this.journal.append(entryLine(op, study, change));
          this.applyChange(study, change);
        }
        return copy(result);
      } finally {
        this.lock.release();
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private catchUp(locked: boolean): void {
    this.checkOpen();
    this.journal.readNew(locked, (entry: JournalEntry) => this.applyChange(entry.study, entry));
  }

  private applyChange(study: string, change: BookChange): void {
    const book = this.books.get(study);
    if (book) {
      book.apply(change);
      return;
    }
    if (!change.record) throw new StoreError(`trials of study "${study}" before the study was created`);
    const created = new StudyBook(change.record);
    created.apply({ trials: change.trials });
    this.books.set(study, created);
  }

  private pollStops(): void {
    try {
      this.catchUp(false);
    } catch (error) {
      this.warn(`file store ${this.journal.path}: cannot poll for stop: ${(error as Error).message}`);
      this.stopPolling();
      return;
    }
    this.deliverStops();
  }

  private deliverStops(): void {
    for (const subscription of [...this.subscriptions]) {
      const record = this.books.get(subscription.study)?.record;
      if (record?.state !== 'STOPPED') continue;
      const now = record.stopNow === true;
      if (subscription.deliveredStop && (subscription.deliveredNow || !now)) continue;
      subscription.deliveredStop = true;
      subscription.deliveredNow = now;
      subscription.listener({ type: 'stop', now, study: subscription.study });
    }
  }

  private stopPolling(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreError(`${this.displayUrl} is closed`);
  }
}

function defaultWarn(message: string): void {
  process.emitWarning(message, 'SwarmtuneStoreWarning');
}

function copy<T>(value: T): T {
  return structuredClone(value);
}
