import {
  DEFAULT_HEARTBEAT,
  StoreError,
  StudyClient,
  TERMINAL_STUDY_STATES,
  type Store,
  type Trial,
  type TrialResult,
  type WorkerInfo,
} from '@swarmtune/core';
import type { Logger } from 'pino';
import { isProcessAlive, pidNamespace, workerIdentity } from './identity.js';

/** Evaluates one trial. Must resolve (never hang) once `signal` aborts, with FAIL(interrupted) or a real result. */
export type Evaluator = (ctx: { trial: Trial; study: StudyClient; signal: AbortSignal; logger: Logger }) => Promise<TrialResult>;

export type WorkerEvent =
  | { type: 'trial_started'; study: string; trial: Trial }
  | { type: 'trial_finished'; study: string; trial: Trial }
  | { type: 'study_ended'; study: string; state: string };

export interface WorkerOptions {
  store: Store;
  /** Study names, or 'all' for every study that is not over yet. */
  studies: string[] | 'all';
  evaluate: Evaluator;
  logger: Logger;
  /** Trials run at the same time by this process. */
  concurrency?: number;
  identity?: WorkerInfo;
  /** How often a slot with nothing to run looks again (trials in flight elsewhere, store unreachable). */
  pollIntervalMs?: number;
  onEvent?: (event: WorkerEvent) => void;
  /**
   * Mixed into the sampler's seed (see StudyClientOptions.rngSalt). Default: the worker id, so that workers sharing
   * a seeded study do not propose the same params. `swarmtune run` passes '' to stay reproducible.
   */
  rngSalt?: string;
}

export interface WorkerSummary {
  finished: number;
  byState: Record<string, number>;
  /** Results that could not be delivered to the store before a forced exit (logged in full). */
  undelivered: number;
  stoppedBy: 'study_end' | 'signal' | 'study_stop';
}

type StopMode = 'graceful' | 'now';

interface Running {
  trial: Trial;
  client: StudyClient;
  abort: AbortController;
}

/**
 * The worker loop: for each slot, ask -> evaluate -> tell, until the study ends or a stop arrives.
 * Stops: `graceful` lets running trials finish and report; `now` aborts them (the evaluator kills their process
 * groups and reports FAIL(interrupted), which the store re-enqueues). A clean exit never leaves a RUNNING trial.
 */
export class Worker {
  readonly identity: WorkerInfo;
  private readonly running = new Map<string, Running>();
  private stopMode: StopMode | null = null;
  private stoppedBy: WorkerSummary['stoppedBy'] = 'study_end';
  private readonly wakers = new Set<() => void>();
  private readonly summary: WorkerSummary = { finished: 0, byState: {}, undelivered: 0, stoppedBy: 'study_end' };
  private readonly clients = new Map<string, StudyClient>();
  private readonly pidns = pidNamespace();
  private readonly ended = new Set<string>();

  constructor(private readonly options: WorkerOptions) {
    this.identity = options.identity ?? workerIdentity();
  }

  private get log(): Logger {
    return this.options.logger;
  }

  /** First call: graceful; a later `now` escalates. Safe to call from signal handlers. */
  stop(mode: StopMode, by: WorkerSummary['stoppedBy'] = 'signal'): void {
    if (this.stopMode === 'now') return;
    if (this.stopMode === null) this.stoppedBy = by;
    this.stopMode = mode;
    this.log.info({ mode, running: this.running.size }, mode === 'now' ? 'stopping now: interrupting running trials' : 'stopping after the running trials');
    if (mode === 'now') for (const r of this.running.values()) r.abort.abort();
    this.wakeAll();
  }

  async run(): Promise<WorkerSummary> {
    const unsubscribes: Array<() => Promise<void>> = [];
    let heartbeat: NodeJS.Timeout | undefined;
    try {
      for (;;) {
        const names = await this.studiesToWork();
        if (names.length === 0 || this.stopMode) break;
        for (const name of names) {
          if (this.clients.has(name)) continue;
          const client = await StudyClient.open(this.options.store, name, {
            worker: this.identity,
            rngSalt: this.options.rngSalt ?? this.identity.workerId,
            claimAttrs: this.pidns ? { pidns: this.pidns } : {},
          });
          this.clients.set(name, client);
          await this.failOrphans(client);
          unsubscribes.push(
            await this.options.store.subscribe(name, (ev) => {
              if (ev.type === 'stop' && ev.study === name) this.stop(ev.now ? 'now' : 'graceful', 'study_stop');
            }),
          );
        }
        if (!heartbeat) {
          heartbeat = setInterval(() => void this.beat(), this.heartbeatMs());
          heartbeat.unref();
        }
        const slots = Array.from({ length: this.options.concurrency ?? 1 }, (_, i) => this.slot(names, i));
        await Promise.all(slots);
        if (this.options.studies !== 'all') break;
      }
    } finally {
      if (heartbeat) clearInterval(heartbeat);
      for (const u of unsubscribes) await u().catch(() => undefined);
    }
    return { ...this.summary, stoppedBy: this.stoppedBy };
  }

  private async studiesToWork(): Promise<string[]> {
    if (this.options.studies !== 'all') return this.options.studies;
    const records = await this.options.store.listStudies();
    return records.filter((r) => !TERMINAL_STUDY_STATES.includes(r.state)).map((r) => r.name);
  }

  /** One slot: works on the given studies in turn until none of them has anything left. */
  private async slot(names: string[], index: number): Promise<void> {
    const active = new Set(names);
    let i = index;
    while (active.size > 0 && !this.stopMode) {
      const name = [...active][i++ % active.size]!;
      const client = this.clients.get(name)!;
      let res;
      try {
        res = await client.ask();
      } catch (err) {
        if (!isTransient(err)) throw err;
        this.log.warn({ study: name, err: errText(err) }, 'store unreachable, retrying');
        await this.pause(this.pollMs());
        continue;
      }
      if (res.kind === 'ended') {
        active.delete(name);
        if (!this.ended.has(name)) {
          this.ended.add(name);
          this.log.info({ study: name, state: res.state }, 'study ended');
          this.options.onEvent?.({ type: 'study_ended', study: name, state: res.state });
        }
        if (res.state === 'STOPPED' && this.stoppedBy === 'study_end') this.stoppedBy = 'study_stop';
        continue;
      }
      if (res.kind === 'wait') {
        await this.pause(this.pollMs());
        continue;
      }
      await this.runTrial(client, res.trial);
    }
  }

  private async runTrial(client: StudyClient, trial: Trial): Promise<void> {
    const log = this.log.child({ study: client.name, trial: trial.number, trialId: trial.id });
    const abort = new AbortController();
    this.running.set(trial.id, { trial, client, abort });
    if (this.stopMode === 'now') abort.abort();
    this.options.onEvent?.({ type: 'trial_started', study: client.name, trial });
    log.info({ params: trial.params }, 'trial started');
    let result: TrialResult;
    if (this.stopMode) {
      // The stop arrived while this trial was being claimed: hand it back untouched (it is re-enqueued).
      result = { state: 'FAIL', failReason: 'interrupted', error: 'worker stopping before the trial started' };
    } else {
      try {
        result = await this.options.evaluate({ trial, study: client, signal: abort.signal, logger: log });
      } catch (err) {
        result = { state: 'FAIL', failReason: 'error', error: errText(err) };
      }
    }
    const finished = await this.deliver(client, trial, result, log);
    this.running.delete(trial.id);
    // Slots waiting for in-flight trials look again now rather than at their next poll.
    this.wakeAll();
    if (!finished) return;
    this.summary.finished++;
    this.summary.byState[finished.state] = (this.summary.byState[finished.state] ?? 0) + 1;
    log.info(
      { state: finished.state, values: finished.values, failReason: finished.failReason, seconds: secondsOf(finished) },
      'trial finished',
    );
    this.options.onEvent?.({ type: 'trial_finished', study: client.name, trial: finished });
  }

  /**
   * Hands the result to the store, retrying with backoff while it is unreachable: a finished result is kept until the
   * store takes it. finishTrial is idempotent, so a retry after a lost reply records it once.
   */
  private async deliver(client: StudyClient, trial: Trial, result: TrialResult, log: Logger): Promise<Trial | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await client.tell(trial.id, result);
      } catch (err) {
        if (!isTransient(err) || (this.stopMode === 'now' && attempt >= 10)) {
          this.summary.undelivered++;
          log.error({ err: errText(err), result }, 'result could not be delivered to the store');
          return null;
        }
        log.warn({ err: errText(err), attempt }, 'store unreachable, keeping the result and retrying');
        await delay(Math.min(200 * 2 ** attempt, 5_000));
      }
    }
  }

  /** Heartbeats for running trials; also notices a STOPPED study whose stop message this worker missed. */
  private async beat(): Promise<void> {
    const byStudy = new Map<StudyClient, string[]>();
    for (const r of this.running.values()) byStudy.set(r.client, [...(byStudy.get(r.client) ?? []), r.trial.id]);
    for (const [client, ids] of byStudy) {
      try {
        await client.heartbeat(ids);
        const state = await client.state();
        if (state === 'STOPPED') this.stop(client.record.stopNow ? 'now' : 'graceful', 'study_stop');
      } catch (err) {
        this.log.warn({ study: client.name, err: errText(err) }, 'heartbeat failed');
      }
    }
  }

  /**
   * RUNNING trials left by a worker on this host (same pid namespace) whose process is gone, e.g. after kill -9 of
   * a previous `swarmtune run`: fail them `stale` now instead of waiting for the heartbeat grace.
   */
  private async failOrphans(client: StudyClient): Promise<void> {
    if (!this.pidns) return;
    const trials = await client.refresh();
    for (const t of trials) {
      if (t.state !== 'RUNNING' || t.host !== this.identity.host || t.attrs?.pidns !== this.pidns) continue;
      if (t.pid === undefined || t.pid === process.pid || isProcessAlive(t.pid)) continue;
      await client.tell(t.id, {
        state: 'FAIL',
        failReason: 'stale',
        error: `worker process ${t.pid} on ${t.host} is gone`,
      });
      this.log.warn({ study: client.name, trial: t.number, pid: t.pid }, 'failed an orphaned trial of a dead worker as stale');
    }
  }

  /** The shortest heartbeat interval of the studies this worker serves. */
  private heartbeatMs(): number {
    let seconds: number = DEFAULT_HEARTBEAT.intervalSeconds;
    for (const c of this.clients.values()) seconds = Math.min(seconds, c.record.spec.heartbeat?.intervalSeconds ?? seconds);
    return Math.max(100, seconds * 1000);
  }

  private pollMs(): number {
    return this.options.pollIntervalMs ?? 1_000;
  }

  /** Sleeps, but wakes at once when a stop arrives. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private wakeAll(): void {
    for (const w of [...this.wakers]) w();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isTransient(err: unknown): boolean {
  if (err instanceof StoreError) return err.transient;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EPIPE';
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function secondsOf(t: Trial): number | undefined {
  return t.startedAt !== undefined && t.finishedAt !== undefined ? (t.finishedAt - t.startedAt) / 1000 : undefined;
}
