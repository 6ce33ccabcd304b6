import {
  InputError,
  newTrialId,
  StoreError,
  studyOps as ops,
  type ChangeBatch,
  type ClaimOutcome,
  type IntermediateValue,
  type Params,
  type StopOptions,
  type Store,
  type StudyChange,
  type StudyEvent,
  type StudyRecord,
  type StudySpec,
  type StudyState,
  type Trial,
  type TrialResult,
  type WorkerInfo,
} from '@swarmtune/core';
import { commitArgs, renumber, sha1, toCommit, type CommitArg, type Guards } from './change.js';
import { runScript } from './commands.js';
import { isConnectionError, type Logger, type Master } from './connection.js';
import { EventHub, encodeEvent } from './events.js';
import type { Keys } from './keys.js';
import { acquireStudyLock, sleep } from './lock.js';
import {
  deriveIndexes,
  mergeSnapshots,
  mergeTrialInto,
  parseRecord,
  parseSnapshot,
  parseTrial,
  type Snapshot,
} from './snapshot.js';
import { isOwnStart, outcomeOfOwnTrial } from './retried-claim.js';
import { StudyView } from './study-view.js';

export interface StoreSettings {
  /** How long a call waits for an unreachable store before it throws StoreError(transient). */
  operationTimeoutMs: number;
  lockTtlMs: number;
  lockWaitMs: number;
  /** Each study's changes stream keeps at least this many entries (and twice its trials); see readChanges-3.lua. */
  changeStreamMinLength: number;
}

interface ReadRequest {
  paramKey?: string | null;
  oldestWaiting?: boolean;
  running?: boolean;
  ids?: readonly string[];
}

interface Decision<T> {
  change?: StudyChange;
  /** Adds the study to the set of studies (createStudy). */
  register?: boolean;
  result: T;
}

interface MutateOptions {
  /** What the decision reads besides the study record and the trials it writes (checked by guarded commits). */
  guards?: Guards;
  /**
   * One server only: a snapshot put together from what this store already knows, decided on before reading one.
   * The commit's guards tell whether it held; if not, the change is read and decided as usual.
   */
  presumed?: Snapshot;
}

/**
 * The study record as last read or written by this store. Presumed decisions use `record`; readChanges hands out
 * `shared`, a parse of its own, so that nothing a caller does to its copy reaches a decision.
 */
interface Head {
  json: string;
  record: StudyRecord;
  shared?: StudyRecord;
  sha?: string;
}

/** A RUNNING trial as this store last wrote it (its JSON, apart from anything a caller does to the trial it got). */
interface Owned {
  study: string;
  json: string;
  /** The JSON of a new trial of a guarded change lacks its number (commitChange-7.lua adds it). */
  number: number;
}

/** How many RUNNING trials written by this store are remembered for presumed finishes (see `owned`). */
const OWNED_MAX = 10_000;

/**
 * The Store on one Redis server or on several KeyDB masters (README: "How a change is made"). Every change of a
 * study is read -> decide (studyOps of @swarmtune/core, over a StudyView) -> commitChange-7.lua, which applies it
 * only if what it was decided from still holds. With several masters the change runs under the per-study lock, is
 * written to every master it holds, and holds if the study's `seq` has not moved. On one server the commit is
 * guarded: only what the decision read is checked, so workers changing different trials do not conflict; and a
 * claim or finish is first decided without a read, from what this store knows (`presumed`), in one round trip.
 */
export class RedisStore implements Store {
  private closed = false;
  private readonly events: EventHub;
  /** Studies whose masters were seen to differ: repaired (rebuildStudy-7.lua) under the lock before the next change. */
  private readonly needsRepair = new Set<string>();
  private readonly heads = new Map<string, Head>();
  /** RUNNING trials this store wrote last (claims), by id, so that finishing one needs no read first. */
  private readonly owned = new Map<string, Owned>();

  constructor(
    readonly displayUrl: string,
    private readonly keys: Keys,
    /** In canonical (address-sorted) order. */
    private readonly masters: readonly Master[],
    private readonly timings: StoreSettings,
    private readonly logger: Logger | undefined,
  ) {
    this.events = new EventHub(masters);
    if (this.multi) for (const m of masters) this.repairWhenBack(m);
  }

  /**
   * A master that comes back (or comes up for the first time after open) may have missed changes: once it answers,
   * every study is checked and, where its masters differ, repaired. Reads are right meanwhile (they merge masters).
   */
  private repairWhenBack(master: Master): void {
    master.client.on('ready', () => {
      if (this.closed) return;
      void this.repairAllStudies().catch((err: unknown) => {
        if (this.closed) return;
        const where = { store: this.displayUrl, master: master.address, err: message(err) };
        this.logger?.warn(where, 'repair after reconnect failed');
      });
    });
  }

  private async repairAllStudies(): Promise<void> {
    for (const record of await this.listStudies()) {
      if (this.closed) return;
      // A change that changes nothing: mutate() repairs the study first when its masters differ.
      await this.mutate('repair', record.name, {}, () => ({ result: undefined }));
    }
  }

  private get multi(): boolean {
    return this.masters.length > 1;
  }

  // ---- studies ----

  async createStudy(spec: StudySpec, now: number): Promise<{ record: StudyRecord; created: boolean }> {
    const record = ops.newStudyRecord(spec, now);
    return this.mutate<{ record: StudyRecord; created: boolean }>('createStudy', record.name, {}, (snap) => {
      if (snap.record) return { result: { record: snap.record, created: false } };
      return { change: { record, trials: [] }, register: true, result: { record, created: true } };
    });
  }

  async getStudy(name: string): Promise<StudyRecord | null> {
    checkName(name);
    return this.retrying('getStudy', async () => {
      const replies = await this.onReachable((m) => m.client.hmget(this.keys.study(name), 'seq', 'record'));
      let best: { seq: number; json: string } | null = null;
      for (const [seq, json] of replies) {
        if (!json) continue;
        const s = Number(seq ?? 0);
        if (!best || s > best.seq) best = { seq: s, json };
      }
      if (!best) return null;
      this.noteHead(name, best.json);
      return parseRecord(best.json, `study "${name}" record`);
    });
  }

  async listStudies(): Promise<StudyRecord[]> {
    const names = await this.retrying('listStudies', async () => {
      const sets = await this.onReachable((m) => m.client.smembers(this.keys.studies));
      return [...new Set(sets.flat())].sort();
    });
    const records = await Promise.all(names.map((n) => this.getStudy(n)));
    return records.filter((r): r is StudyRecord => r !== null);
  }

  async setStudyState(name: string, state: StudyState, now: number, reason?: string): Promise<StudyState> {
    return this.mutate('setStudyState', name, {}, (snap) =>
      ops.setStudyState(new StudyView(name, snap), state, now, reason),
    );
  }

  async stopStudy(name: string, options: StopOptions, now: number): Promise<void> {
    await this.mutate('stopStudy', name, {}, (snap) => ops.stopStudy(new StudyView(name, snap), options, now));
    const message = encodeEvent({ type: 'stop', now: options.now, study: name });
    await this.retrying('stopStudy (publish)', () =>
      this.onReachable((m) => m.client.publish(this.keys.events(name), message)),
    );
  }

  // ---- claims ----

  async claimParams(
    study: string,
    params: Params,
    paramKey: string | null,
    worker: WorkerInfo,
    now: number,
    attrs?: Record<string, unknown>,
  ): Promise<ClaimOutcome> {
    // The id is fixed before the first try: a retry after a lost reply finds the trial it already created.
    const id = newTrialId(now);
    const request: ops.ClaimRequest = { id, params, paramKey, worker };
    if (attrs !== undefined) request.attrs = attrs;
    return this.mutate(
      'claimParams',
      study,
      { paramKey, ids: [id] },
      (snap, replyLost) => {
        const own = snap.trials.get(id);
        if (own) return { result: outcomeOfOwnTrial(own) };
        const view = new StudyView(study, snap);
        if (replyLost && paramKey !== null) {
          // The lost try may have started the WAITING trial with this key: that start is ours.
          const running = ops.trialWithKey(view, paramKey, 'RUNNING');
          if (running && isOwnStart(running, worker, now)) return { result: { kind: 'claimed', trial: running } };
        }
        return ops.claimParams(view, request, now);
      },
      // Presumed: the key is new (no WAITING, RUNNING or COMPLETE trial has it), as it is for continuous spaces.
      { guards: { paramKey, capped: true, settles: true }, presumed: this.presumed(study, []) },
    );
  }

  async claimWaiting(study: string, worker: WorkerInfo, now: number): Promise<Trial | null> {
    return this.mutate('claimWaiting', study, { oldestWaiting: true }, (snap) =>
      ops.claimWaiting(new StudyView(study, snap), worker, now),
    );
  }

  async enqueueTrial(
    study: string,
    params: Params,
    paramKey: string | null,
    now: number,
    options?: { retryOf?: number; retryCount?: number; attrs?: Record<string, unknown> },
  ): Promise<Trial> {
    const id = newTrialId(now);
    const request: ops.EnqueueRequest = { id, params, paramKey, ...options };
    return this.mutate('enqueueTrial', study, { ids: [id] }, (snap) => {
      const own = snap.trials.get(id);
      if (own) return { result: own };
      return ops.enqueueTrial(new StudyView(study, snap), request, now);
    });
  }

  // ---- one trial, by its owner ----

  async heartbeat(study: string, trialIds: readonly string[], now: number): Promise<void> {
    const ids = [...new Set(trialIds)];
    await Promise.all(ids.map((id) => this.updateTrial('heartbeat', study, id, (t) => ops.heartbeatOf(t, now), false)));
  }

  async reportIntermediate(study: string, trialId: string, value: IntermediateValue, _now: number): Promise<void> {
    ops.checkIntermediate(trialId, value);
    await this.updateTrial('reportIntermediate', study, trialId, (t) => ops.withIntermediate(t, value), true);
  }

  async finishTrial(study: string, trialId: string, result: TrialResult, now: number): Promise<Trial> {
    const own = this.owned.get(trialId);
    const trial = own?.study === study ? { ...parseTrial(own.json, trialId), number: own.number } : undefined;
    const presumed = trial && this.presumed(study, [trial]);
    try {
      return await this.mutate(
        'finishTrial',
        study,
        { ids: [trialId] },
        (snap) => ops.finishTrial(new StudyView(study, snap), trialId, result, now),
        { guards: { settles: true }, presumed },
      );
    } finally {
      this.owned.delete(trialId);
    }
  }

  async failStaleTrials(study: string, graceMs: number, now: number): Promise<Trial[]> {
    return this.mutate(
      'failStaleTrials',
      study,
      { running: true },
      (snap) => ops.failStaleTrials(new StudyView(study, snap), graceMs, now),
      { guards: { settles: true } },
    );
  }

  // ---- reads ----

  async readChanges(study: string, cursor: string | null): Promise<ChangeBatch> {
    checkName(study);
    const positions = parseCursor(cursor);
    return this.retrying('readChanges', async () => {
      const reachable = this.reachable();
      const keys = [this.keys.trials(study), this.keys.changes(study), this.keys.study(study)];
      const replies = await Promise.all(
        reachable.map(async (m) => {
          const reply = (await runScript(m.client, 'readChanges', keys, [positions.get(m.address) ?? ''])) as string[];
          return { master: m, reply };
        }),
      );
      const trials = new Map<string, Trial>();
      const next = new Map(positions);
      let head: { seq: number; json: string } | undefined;
      for (const { master, reply } of replies) {
        next.set(master.address, reply[0]!);
        const seq = Number(reply[1] ?? 0);
        if (reply[2] && (!head || seq > head.seq)) head = { seq, json: reply[2] };
        for (let i = 3; i + 1 < reply.length; i += 2) {
          if (reply[i + 1]) mergeTrialInto(trials, parseTrial(reply[i + 1]!, `study "${study}" trial ${reply[i]}`));
        }
      }
      const batch: ChangeBatch = {
        trials: [...trials.values()].sort((a, b) => a.number - b.number),
        cursor: formatCursor(next),
      };
      if (head) {
        const known = this.noteHead(study, head.json);
        batch.record = known.shared ??= parseRecord(head.json, `study "${study}" record`);
      }
      return batch;
    });
  }

  async getTrials(study: string): Promise<Trial[]> {
    checkName(study);
    return this.retrying('getTrials', async () => {
      const hashes = await this.onReachable((m) => m.client.hgetall(this.keys.trials(study)));
      const trials = new Map<string, Trial>();
      for (const hash of hashes) {
        for (const [id, json] of Object.entries(hash)) {
          mergeTrialInto(trials, parseTrial(json, `study "${study}" trial ${id}`));
        }
      }
      return [...trials.values()].sort((a, b) => a.number - b.number);
    });
  }

  async subscribe(study: string, listener: (event: StudyEvent) => void): Promise<() => Promise<void>> {
    checkName(study);
    return this.events.subscribe(this.keys.events(study), listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const m of this.masters) m.close();
  }

  // ---- machinery ----

  private reachable(): Master[] {
    return this.masters.filter((m) => m.ready);
  }

  /** Runs `fn` on every reachable master; fails (retryably) when none is reachable. */
  private async onReachable<T>(fn: (m: Master) => Promise<T>): Promise<T[]> {
    const reachable = this.reachable();
    if (reachable.length === 0) throw new StoreError(`store ${this.displayUrl}: no master reachable`, true);
    if (reachable.length === 1) return [await fn(reachable[0]!)];
    const settled = await Promise.allSettled(reachable.map(fn));
    const values = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (values.length === 0) throw (settled[0] as PromiseRejectedResult).reason;
    return values;
  }

  /** Retries while the store is unreachable, up to operationTimeoutMs; then StoreError(transient). */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.timings.operationTimeoutMs;
    let wait = 25;
    for (;;) {
      if (this.closed) throw new StoreError(`store ${this.displayUrl}: ${what} after close()`);
      try {
        return await fn();
      } catch (err) {
        if (err instanceof InputError) throw err;
        const transient = err instanceof StoreError ? err.transient : isConnectionError(err);
        if (!transient) {
          throw err instanceof StoreError ? err : new StoreError(`store ${this.displayUrl}: ${what}: ${message(err)}`);
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
          throw new StoreError(
            `store ${this.displayUrl}: ${what} failed, store unreachable for ` +
              `${this.timings.operationTimeoutMs} ms (${message(err)})`,
            true,
          );
        }
        await sleep(Math.min(wait, remaining));
        wait = Math.min(wait * 2, 500);
      }
    }
  }

  /**
   * read -> decide -> commit, repeated while the commit finds what the decision read changed under it. With several
   * masters: under the study lock, on every master the lock is held on; masters that disagree are repaired first.
   */
  private mutate<T>(
    what: string,
    study: string,
    read: ReadRequest,
    decide: (snap: Snapshot, replyLost: boolean) => Decision<T>,
    options: MutateOptions = {},
  ): Promise<T> {
    checkName(study);
    /** A commit was sent and no answer came back: it may or may not have been applied. */
    let replyLost = false;
    let presumed = this.multi ? undefined : options.presumed;
    return this.retrying(what, async () => {
      const lock = this.multi
        ? await acquireStudyLock(this.masters, this.keys, study, {
            ttlMs: this.timings.lockTtlMs,
            waitMs: this.timings.lockWaitMs,
          })
        : null;
      try {
        const masters = lock ? lock.masters : [...this.masters];
        for (let attempt = 1; ; attempt++) {
          if (attempt > 500) {
            throw new StoreError(`study "${study}": ${what} kept conflicting with other writers`, true);
          }
          // A presumed snapshot is tried once, first; anything it cannot settle goes the usual way.
          const guess = presumed;
          presumed = undefined;
          let snap: Snapshot;
          if (guess) {
            snap = guess;
          } else {
            const snaps = await Promise.all(masters.map((m) => this.readSnapshot(m, study, read)));
            if (masters.length > 1 && (this.needsRepair.has(study) || snaps.some((s) => s.seq !== snaps[0]!.seq))) {
              await this.repair(masters, study);
              continue;
            }
            snap = mergeSnapshots(snaps);
            if (snap.recordJson) this.noteHead(study, snap.recordJson);
          }
          let decision: Decision<T>;
          try {
            decision = decide(snap, replyLost);
          } catch (err) {
            if (guess) continue;
            throw err;
          }
          const { change, result } = decision;
          if (!change || !ops.isChange(change)) {
            if (guess) continue;
            return result;
          }
          const commit = toCommit(snap, change, this.multi ? undefined : (options.guards ?? {}));
          if (decision.register) commit.register = true;
          const args = commitArgs(commit, study, this.timings.changeStreamMinLength);
          const replies = await Promise.allSettled(
            masters.map((m) => runScript(m.client, 'commitChange', this.keys.studyKeys(study), args)),
          );
          const applied = replies.flatMap((r) => (r.status === 'fulfilled' && isApplied(r.value) ? [r.value] : []));
          if (applied.length > 0) {
            if (commit.seq < 0) renumber(snap, change, Number(applied[0]!.slice('OK:'.length)));
            this.noteWritten(study, change, commit);
            if (applied.length < masters.length) {
              // Written where it matters for the answer; the masters that missed it are brought along next time.
              this.needsRepair.add(study);
              this.logger?.warn({ store: this.displayUrl, study }, 'a change reached only some masters; will repair');
            }
            return result;
          }
          const failed = replies.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          if (failed) {
            replyLost ||= isConnectionError(failed.reason);
            throw failed.reason;
          }
          if (this.multi) this.needsRepair.add(study);
          // Someone else changed what the decision read, between our read and our commit: decide again on fresh data.
          if (attempt % 8 === 0) await sleep(Math.random() * Math.min(attempt, 20));
        }
      } finally {
        await lock?.release();
      }
    });
  }

  /** Remembers the record last seen for the study (parsed once per distinct JSON). */
  private noteHead(study: string, json: string): Head {
    let head = this.heads.get(study);
    if (head?.json !== json) {
      head = { json, record: parseRecord(json, `study "${study}" record`) };
      this.heads.set(study, head);
    }
    return head;
  }

  private noteWritten(study: string, change: StudyChange, commit: CommitArg): void {
    if (commit.record !== undefined) this.noteHead(study, commit.record);
    change.trials.forEach((trial, i) => {
      this.owned.delete(trial.id);
      if (trial.state === 'RUNNING') this.owned.set(trial.id, { study, json: commit.json[i]!, number: trial.number });
    });
    // Trials given up without a finish (a library user's ask without tell) must not pile up.
    for (const id of this.owned.keys()) {
      if (this.owned.size <= OWNED_MAX) break;
      this.owned.delete(id);
    }
  }

  /**
   * A snapshot from what this store knows without reading: the last record seen, and `trials` (the ones the
   * operation changes). Counters and index entries are unknown; the decision may assume anything about them, since
   * the guards of its commit check what it concluded.
   */
  private presumed(study: string, trials: Trial[]): Snapshot | undefined {
    const head = this.multi ? undefined : this.heads.get(study);
    if (!head) return undefined;
    head.sha ??= sha1(head.json);
    return {
      seq: -1,
      record: head.record,
      recordJson: head.json,
      recordSha: head.sha,
      budget: 0,
      next: 0,
      runningCount: trials.length,
      waitingCount: 0,
      byKey: {},
      runningIds: [],
      trials: new Map(trials.map((t) => [t.id, t])),
    };
  }

  private async readSnapshot(master: Master, study: string, read: ReadRequest): Promise<Snapshot> {
    const reply = await runScript(
      master.client,
      'readStudy',
      [
        this.keys.study(study),
        this.keys.trials(study),
        this.keys.paramKeys(study),
        this.keys.waiting(study),
        this.keys.running(study),
      ],
      [read.paramKey ?? '', read.oldestWaiting ? '1' : '0', read.running ? '1' : '0', ...(read.ids ?? [])],
    );
    return parseSnapshot(reply, study);
  }

  /**
   * Makes every given master hold the union of the study's trials (highest rev of each), its newest record, and the
   * index, queues and counters derived from them. Cost: the size of the study; runs only after masters diverged
   * (one was away, or replication lagged behind a lock hand-over).
   */
  private async repair(masters: readonly Master[], study: string): Promise<void> {
    const states = await Promise.all(
      masters.map(async (m) => {
        const [head, trials] = await Promise.all([
          m.client.hmget(this.keys.study(study), 'seq', 'record', 'next'),
          m.client.hgetall(this.keys.trials(study)),
        ]);
        return { seq: Number(head[0] ?? 0), record: head[1] ?? '', next: Number(head[2] ?? 0), trials };
      }),
    );
    const merged = new Map<string, Trial>();
    const json = new Map<string, string>();
    let seq = 0;
    let next = 0;
    let record = '';
    let recordSeq = -1;
    for (const s of states) {
      seq = Math.max(seq, s.seq);
      next = Math.max(next, s.next);
      if (s.record && s.seq > recordSeq) {
        record = s.record;
        recordSeq = s.seq;
      }
      for (const [id, text] of Object.entries(s.trials)) {
        const trial = parseTrial(text, `study "${study}" trial ${id}`);
        const have = merged.get(id);
        if (!have || have.rev < trial.rev) {
          merged.set(id, trial);
          json.set(id, text);
        }
      }
    }
    const derived = deriveIndexes(merged.values());
    const arg = JSON.stringify({
      seq,
      record,
      budget: derived.budget,
      next: Math.max(next, derived.next),
      trials: [...merged.values()].map((t) => [t.id, json.get(t.id)!, t.rev]),
      pkeys: derived.pkeys,
      waiting: derived.waiting,
      running: derived.running,
    });
    const copied = await Promise.all(
      masters.map((m) => runScript(m.client, 'rebuildStudy', this.keys.studyKeys(study), [arg, study])),
    );
    this.needsRepair.delete(study);
    this.logger?.warn(
      { store: this.displayUrl, study, masters: masters.map((m) => m.address), trialsCopied: copied },
      'store masters differed; study repaired',
    );
  }

  private async updateTrial(
    what: string,
    study: string,
    trialId: string,
    change: (t: Trial) => Trial | null,
    mustExist: boolean,
  ): Promise<void> {
    checkName(study);
    await this.retrying(what, async () => {
      for (let attempt = 0; attempt < 20; attempt++) {
        const copies = await this.onReachable((m) => m.client.hget(this.keys.trials(study), trialId));
        const trials = new Map<string, Trial>();
        for (const text of copies) {
          if (text) mergeTrialInto(trials, parseTrial(text, `study "${study}" trial ${trialId}`));
        }
        const current = trials.get(trialId);
        if (!current) {
          if (mustExist) throw new InputError(`trial ${trialId}`, `not found in study "${study}"`);
          return;
        }
        const updated = change(current);
        if (!updated) return;
        const json = JSON.stringify(updated);
        const replies = await this.onReachable((m) =>
          runScript(m.client, 'updateTrial', [this.keys.trials(study), this.keys.changes(study)], [
            trialId,
            json,
            current.rev,
            'RUNNING',
            this.timings.changeStreamMinLength,
          ]),
        );
        if (replies.includes('OK') && this.owned.has(trialId)) {
          this.owned.set(trialId, { study, json, number: updated.number });
        }
        if (!replies.includes('CONFLICT')) return;
      }
      throw new StoreError(`study "${study}": trial ${trialId} keeps changing under ${what}`, true);
    });
  }
}

/** 'OK', or 'OK:<number of the first new trial>' from a guarded commit; anything else is a CONFLICT. */
function isApplied(reply: unknown): reply is string {
  return typeof reply === 'string' && (reply === 'OK' || reply.startsWith('OK:'));
}

function checkName(study: string): void {
  if (typeof study !== 'string' || study === '') throw new InputError('study', 'name must be a non-empty string');
}

/** `address=lastStreamId` per master, `;`-separated: a reader resumes each master's change stream where it left. */
function parseCursor(cursor: string | null): Map<string, string> {
  const positions = new Map<string, string>();
  if (cursor === null || cursor === '') return positions;
  for (const part of cursor.split(';')) {
    const eq = part.lastIndexOf('=');
    const id = part.slice(eq + 1);
    if (eq <= 0 || !/^\d+-\d+$/.test(id)) {
      throw new InputError('readChanges cursor', `"${cursor}" was not made by this store`);
    }
    positions.set(part.slice(0, eq), id);
  }
  return positions;
}

function formatCursor(positions: Map<string, string>): string {
  return [...positions].map(([address, id]) => `${address}=${id}`).join(';');
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
