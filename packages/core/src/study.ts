import { randomBytes } from 'node:crypto';
import { bestTrial } from './best.js';
import { InputError } from './errors.js';
import {
  DEFAULT_HEARTBEAT,
  TERMINAL_STUDY_STATES,
  type Params,
  type StudyRecord,
  type StudyState,
  type Trial,
  type TrialResult,
  type WorkerInfo,
} from './model.js';
import { createRng } from './rng.js';
import { createSampler, type Sampler } from './samplers/index.js';
import { enumerateSpace, paramKey, parseSearchSpace, sampleDistribution, spaceSize } from './space/index.js';
import type { SearchSpace } from './space/types.js';
import { StudyCache } from './study-cache.js';
import type { Store } from './store/store.js';

/** How old the changes read by tell() may be for the next ask to sample from them instead of reading again. */
const PREFETCH_MAX_AGE_MS = 10;

export type AskResult =
  /** A RUNNING trial owned by this worker: evaluate it and `tell`. */
  | { kind: 'trial'; trial: Trial }
  /** Nothing to start now, but trials are still in flight elsewhere (budget or grid used up): ask again later. */
  | { kind: 'wait'; reason: 'budget_exhausted' | 'space_exhausted' }
  /** The study is over. */
  | { kind: 'ended'; state: StudyState };

export interface StudyClientOptions {
  worker: WorkerInfo;
  /** Clock for tests; ms since epoch. */
  now?: () => number;
  /** How many times one ask samples again after a duplicate before it falls back to an unclaimed configuration. */
  maxDuplicateRetries?: number;
  /**
   * Mixed into the sampler's seed. Workers in separate processes pass their worker id, so that with one study seed
   * they do not all propose the same params; one process (e.g. `swarmtune run`) leaves it empty and stays
   * reproducible.
   */
  rngSalt?: string;
  /** Attributes recorded on every trial this worker claims (e.g. its pid namespace). */
  claimAttrs?: Record<string, unknown>;
}

/**
 * One worker's handle on a study: ask -> (evaluate) -> tell. The sampler runs here, on the worker, from its cached
 * copy of the study; the store makes each claim atomic, so a stale cache can cost a duplicate record but never a
 * duplicate run.
 */
export class StudyClient {
  readonly space: SearchSpace;
  readonly sampler: Sampler;
  private readonly cache: StudyCache;
  private readonly now: () => number;
  private readonly maxDuplicateRetries: number;
  private lastStaleCheck = 0;
  /** Proposals made so far; part of each proposal's seed, so that concurrent asks in one process differ. */
  private proposals = 0;
  private readonly seedBase: string;
  /** When (performance.now()) tell() last read the study's changes for the next ask. */
  private readAt: number | undefined;

  constructor(
    readonly store: Store,
    public record: StudyRecord,
    private readonly options: StudyClientOptions,
  ) {
    this.space = parseSearchSpace(record.spec.searchSpace);
    this.sampler = createSampler(record.spec.sampler);
    this.cache = new StudyCache(store, record.name);
    this.now = options.now ?? Date.now;
    this.maxDuplicateRetries = options.maxDuplicateRetries ?? 8;
    this.seedBase = record.spec.seed !== undefined ? String(record.spec.seed) : randomBytes(8).toString('hex');
  }

  get name(): string {
    return this.record.name;
  }

  get worker(): WorkerInfo {
    return this.options.worker;
  }

  static async open(store: Store, name: string, options: StudyClientOptions): Promise<StudyClient> {
    const record = await store.getStudy(name);
    if (!record) throw new InputError('study', `no study named "${name}" in ${store.displayUrl}`);
    return new StudyClient(store, record, options);
  }

  /**
   * Trials known to this worker after the last refresh, ordered by number: the cache's own array, which later
   * asks, tells and refreshes update in place (`refresh()` returns a copy).
   */
  trials(): readonly Trial[] {
    return this.cache.trials();
  }

  async refresh(): Promise<readonly Trial[]> {
    await this.refreshCache();
    return [...this.cache.trials()];
  }

  best(): Trial | undefined {
    return bestTrial(this.cache.trials(), this.record.spec.objectives, this.record.spec.constraints);
  }

  /** Re-reads the study record; returns its state. */
  async state(): Promise<StudyState> {
    const record = await this.store.getStudy(this.name);
    if (record) this.record = record;
    return this.record.state;
  }

  async ask(): Promise<AskResult> {
    const readAt = this.readAt;
    this.readAt = undefined;
    if (readAt === undefined || performance.now() - readAt > PREFETCH_MAX_AGE_MS) await this.refreshCache();
    const state = this.record.state;
    if (TERMINAL_STUDY_STATES.includes(state)) return { kind: 'ended', state };
    if (await this.timedOut()) return { kind: 'ended', state: 'TIMEOUT' };
    const failed = await this.failStaleTrials();

    // The cache is current as of the refresh above; a WAITING trial enqueued since is taken by the next ask.
    // Failing stale trials may have enqueued retries that the cache has not seen.
    if (failed > 0 || this.cache.waitingCount > 0) {
      const waiting = await this.store.claimWaiting(this.name, this.worker, this.now());
      if (waiting) {
        this.cache.put(waiting);
        return { kind: 'trial', trial: waiting };
      }
    }

    if (this.finiteSpaceTaken()) return this.whenNothingLeft('space_exhausted');
    for (let attempt = 0; ; attempt++) {
      const params = this.propose(attempt);
      if (params === null) return this.whenNothingLeft('space_exhausted');
      const key = paramKey(this.space, params);
      const outcome = await this.store.claimParams(this.name, params, key, this.worker, this.now(), {
        ...this.options.claimAttrs,
        sampler: attempt > this.maxDuplicateRetries ? 'fallback' : this.sampler.name,
      });
      switch (outcome.kind) {
        case 'claimed':
          this.cache.put(outcome.trial);
          return { kind: 'trial', trial: outcome.trial };
        case 'reused':
        case 'duplicate_running':
          this.cache.put(outcome.trial);
          continue;
        case 'budget_exhausted':
          return this.whenNothingLeft('budget_exhausted');
        case 'study_ended':
          return { kind: 'ended', state: outcome.state };
      }
    }
  }

  /**
   * Records the result. The next ask needs what changed meanwhile: it is read here, alongside the result (one round
   * trip on a networked store), and that ask uses it when it comes within PREFETCH_MAX_AGE_MS.
   */
  async tell(trialId: string, result: TrialResult): Promise<Trial> {
    const finishing = this.store.finishTrial(this.name, trialId, result, this.now());
    const reading = this.refreshCache().then(
      () => performance.now(),
      () => undefined,
    );
    const trial = await finishing;
    this.cache.put(trial);
    this.readAt = await reading;
    return trial;
  }

  async heartbeat(trialIds: readonly string[]): Promise<void> {
    if (trialIds.length > 0) await this.store.heartbeat(this.name, trialIds, this.now());
  }

  /**
   * The sampler's proposal; after `maxDuplicateRetries` duplicates in one ask, a configuration nobody holds
   * (finite spaces) or a random one (continuous spaces), so that an ask always makes progress.
   */
  private propose(attempt: number): Params | null {
    const rng = createRng(`${this.seedBase}:${this.options.rngSalt ?? ''}:${this.proposals++}`);
    const trials = this.cache.trials();
    if (attempt <= this.maxDuplicateRetries) {
      const { objectives, constraints } = this.record.spec;
      return this.sampler.sample({ space: this.space, objectives, ...(constraints ? { constraints } : {}), trials, rng });
    }
    if (spaceSize(this.space) === Infinity) {
      const params: Params = {};
      for (const [name, dist] of Object.entries(this.space)) params[name] = sampleDistribution(dist, rng);
      return params;
    }
    const taken = this.takenKeys();
    const free: Params[] = [];
    for (const p of enumerateSpace(this.space)) if (!taken.has(paramKey(this.space, p))) free.push(p);
    if (free.length === 0) return null;
    return free[rng.int(0, free.length)]!;
  }

  private takenKeys(): Set<string> {
    const taken = new Set<string>();
    for (const t of this.cache.trials()) {
      if (t.paramKey && (t.state === 'COMPLETE' || t.state === 'RUNNING' || t.state === 'WAITING')) taken.add(t.paramKey);
    }
    return taken;
  }

  /** Every configuration of a finite space is evaluated or in flight: sampling could only produce duplicates. */
  private finiteSpaceTaken(): boolean {
    const size = spaceSize(this.space);
    return Number.isFinite(size) && size > 0 && this.takenKeys().size >= size;
  }

  /** Budget or space used up: the study is DONE once nothing is in flight; until then workers wait. */
  private async whenNothingLeft(reason: 'budget_exhausted' | 'space_exhausted'): Promise<AskResult> {
    await this.refreshCache();
    const inFlight = this.cache.trials().some((t) => t.state === 'RUNNING' || t.state === 'WAITING');
    if (inFlight) return { kind: 'wait', reason };
    const state = await this.store.setStudyState(this.name, 'DONE', this.now());
    return { kind: 'ended', state };
  }

  private async timedOut(): Promise<boolean> {
    const max = this.record.spec.limits.maxExecSeconds;
    const started = this.record.startedAt;
    if (max === undefined || started === undefined) return false;
    if (this.now() - started < max * 1000) return false;
    await this.store.setStudyState(this.name, 'TIMEOUT', this.now(), `maxExecSeconds ${max} passed`);
    return true;
  }

  /** Reads what changed, and the study record (in the same read where the store can). */
  private async refreshCache(): Promise<void> {
    const record = await this.cache.refresh();
    if (record) this.record = record;
    else await this.state();
  }

  /**
   * Whoever looks fails trials whose heartbeat is older than the grace; at most once per heartbeat interval.
   * Returns how many it failed.
   */
  private async failStaleTrials(): Promise<number> {
    const hb = this.record.spec.heartbeat ?? DEFAULT_HEARTBEAT;
    const now = this.now();
    if (now - this.lastStaleCheck < hb.intervalSeconds * 1000) return 0;
    this.lastStaleCheck = now;
    const failed = await this.store.failStaleTrials(this.name, hb.graceSeconds * 1000, now);
    for (const t of failed) this.cache.put(t);
    return failed.length;
  }
}
