// The TypeScript API for library users: createStudy(), study.ask()/tell(), study.optimize(fn) with define-by-run
// suggestions, like Optuna's. The CLI and workers use StudyClient directly.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { InputError } from './errors.js';
import type { Direction, ObjectiveSpec, ParamValue, Params, SamplerConfig, StudySpec, Trial, TrialResult } from './model.js';
import { createRng } from './rng.js';
import { openEmbeddedStore } from './store/index.js';
import type { Store } from './store/store.js';
import { StudyClient } from './study.js';
import type { Distribution } from './space/types.js';

export interface CreateStudyOptions {
  name?: string;
  /** Defaults to a fresh in-memory store. */
  store?: Store;
  /** NNI-format search space. Without one, params come from trial.suggest*() (define-by-run). */
  searchSpace?: Record<string, unknown>;
  direction?: Direction;
  objectives?: ObjectiveSpec[];
  sampler?: SamplerConfig | SamplerConfig['name'];
  seed?: number;
  maxTrials?: number;
  /** Return the existing study of that name instead of failing. */
  loadIfExists?: boolean;
}

export type ObjectiveReturn = number | number[];

export async function createStudy(options: CreateStudyOptions = {}): Promise<Study> {
  const store = options.store ?? (await openEmbeddedStore('memory:'));
  const name = options.name ?? `study-${randomBytes(4).toString('hex')}`;
  const objectives = options.objectives ?? [{ name: 'value', direction: options.direction ?? 'minimize' }];
  const sampler = typeof options.sampler === 'string' ? { name: options.sampler } : (options.sampler ?? { name: 'tpe' as const });
  const spec: StudySpec = {
    name,
    objectives,
    searchSpace: options.searchSpace ?? {},
    sampler,
    limits: options.maxTrials !== undefined ? { maxTrials: options.maxTrials } : {},
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  };
  const { record, created } = await store.createStudy(spec, Date.now());
  if (!created && !options.loadIfExists) throw new InputError('name', `a study named "${name}" already exists`);
  const worker = { host: hostname(), workerId: `lib-${randomBytes(4).toString('hex')}`, pid: process.pid };
  return new Study(new StudyClient(store, record, { worker }));
}

/** A trial being evaluated: its params, and suggest*() for define-by-run objectives. */
export class TrialHandle {
  private readonly suggested: Params = {};

  constructor(
    private readonly study: Study,
    readonly trial: Trial,
  ) {}

  get number(): number {
    return this.trial.number;
  }

  get params(): Params {
    return { ...this.trial.params, ...this.suggested };
  }

  suggestFloat(name: string, low: number, high: number, opts: { log?: boolean; step?: number } = {}): number {
    const dist: Distribution = opts.step
      ? opts.log
        ? { type: 'qloguniform', low, high, q: opts.step }
        : { type: 'quniform', low, high, q: opts.step }
      : opts.log
        ? { type: 'loguniform', low, high }
        : { type: 'uniform', low, high };
    return this.suggest(name, dist) as number;
  }

  /** Integers low..high inclusive (Optuna's convention; NNI's randint is upper-exclusive). */
  suggestInt(name: string, low: number, high: number, opts: { step?: number } = {}): number {
    const dist: Distribution =
      opts.step && opts.step !== 1
        ? { type: 'step', start: low, end: high, step: opts.step }
        : { type: 'randint', low, high: high + 1 };
    return this.suggest(name, dist) as number;
  }

  suggestCategorical<T extends ParamValue>(name: string, choices: readonly T[]): T {
    return this.suggest(name, { type: 'choice', values: [...choices] }) as T;
  }

  private suggest(name: string, dist: Distribution): ParamValue {
    if (name in this.trial.params) return this.trial.params[name]!;
    if (name in this.suggested) return this.suggested[name]!;
    if (Object.keys(this.study.client.space).length > 0) {
      throw new InputError(`suggest("${name}")`, 'not in the declared search space of this study');
    }
    const client = this.study.client;
    const value = client.sampler.sampleParam(name, dist, {
      space: client.space,
      objectives: client.record.spec.objectives,
      trials: client.trials(),
      rng: createRng(`${client.record.spec.seed ?? Math.random()}:${this.trial.number}:${name}`),
    });
    this.suggested[name] = value;
    return value;
  }

  /** Params suggested while running (define-by-run), stored with the result. */
  suggestedParams(): Params {
    return { ...this.suggested };
  }
}

export class Study {
  constructor(readonly client: StudyClient) {}

  get name(): string {
    return this.client.name;
  }

  /** A new trial to evaluate, or null when the study has nothing more to run. */
  async ask(): Promise<TrialHandle | null> {
    if (Object.keys(this.client.space).length === 0) return this.askDefineByRun();
    const res = await this.client.ask();
    return res.kind === 'trial' ? new TrialHandle(this, res.trial) : null;
  }

  async tell(handle: TrialHandle, value: ObjectiveReturn | TrialResult): Promise<Trial> {
    const result: TrialResult =
      typeof value === 'number' || Array.isArray(value) ? this.resultOf(value) : value;
    const params = handle.suggestedParams();
    if (Object.keys(params).length > 0) result.params = { ...handle.trial.params, ...params };
    return this.client.tell(handle.trial.id, result);
  }

  /** Runs `fn` on nTrials trials one after another (a thrown error records FAIL(error) and goes on). */
  async optimize(fn: (trial: TrialHandle) => ObjectiveReturn | Promise<ObjectiveReturn>, opts: { nTrials: number }): Promise<void> {
    for (let i = 0; i < opts.nTrials; i++) {
      const trial = await this.ask();
      if (!trial) return;
      let result: ObjectiveReturn | TrialResult;
      try {
        result = await fn(trial);
      } catch (err) {
        result = { state: 'FAIL', failReason: 'error', error: err instanceof Error ? err.message : String(err) };
      }
      await this.tell(trial, result);
    }
  }

  async trials(): Promise<readonly Trial[]> {
    return this.client.refresh();
  }

  async bestTrial(): Promise<Trial | undefined> {
    await this.client.refresh();
    return this.client.best();
  }

  private async askDefineByRun(): Promise<TrialHandle | null> {
    await this.client.refresh();
    const c = this.client;
    const outcome = await c.store.claimParams(c.name, {}, null, c.worker, Date.now());
    return outcome.kind === 'claimed' ? new TrialHandle(this, outcome.trial) : null;
  }

  private resultOf(value: ObjectiveReturn): TrialResult {
    const values = Array.isArray(value) ? value : [value];
    const n = this.client.record.spec.objectives.length;
    if (values.length !== n || values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
      return { state: 'FAIL', failReason: 'invalid_output', error: `expected ${n} finite number(s), got ${JSON.stringify(value)}` };
    }
    return { state: 'COMPLETE', values };
  }
}
