import { createPruner, type IntermediateValue, type Pruner, type StudyClient, type Trial, type TrialResult } from '@swarmtune/core';
import type { Logger } from 'pino';

/**
 * Early stopping of one running trial. Every intermediate value goes to the store first (so that other workers'
 * pruners see it), then the worker's copy of the study is refreshed and the study's pruner decides from every
 * worker's trials. A prune aborts `signal`, which stops the trial's process group; `toResult` then records the
 * trial PRUNED instead of FAIL(interrupted).
 *
 * Values are handled one at a time, in the order they arrive; a value that arrives after the prune is ignored.
 */
export class TrialPruning {
  readonly signal: AbortSignal;
  private readonly pruneController = new AbortController();
  private readonly reported: IntermediateValue[] = [];
  private queue: Promise<void> = Promise.resolve();
  private prunedAt: number | null = null;

  private constructor(
    private readonly study: StudyClient,
    private readonly trial: Trial,
    private readonly pruner: Pruner | null,
    private readonly log: Logger,
    workerSignal: AbortSignal,
  ) {
    this.signal = AbortSignal.any([workerSignal, this.pruneController.signal]);
  }

  /** A pruning hook for `trial`; with no pruner configured it still stores the intermediate values. */
  static for(study: StudyClient, trial: Trial, workerSignal: AbortSignal, log: Logger): TrialPruning {
    return new TrialPruning(study, trial, createPruner(study.record.spec.pruner, `study ${study.name}: pruner`), log, workerSignal);
  }

  get pruned(): boolean {
    return this.prunedAt !== null;
  }

  /** The runner's onIntermediate hook: synchronous, the work is queued. */
  readonly onIntermediate = (point: IntermediateValue): void => {
    this.queue = this.queue.then(() => this.handle(point)).catch((err: unknown) => {
      this.log.warn({ err: err instanceof Error ? err.message : String(err), step: point.step }, 'intermediate value not stored or judged');
    });
  };

  /** Waits until every value received so far is stored and judged. */
  settled(): Promise<void> {
    return this.queue;
  }

  /**
   * The result to record: PRUNED when the pruner stopped the trial and the process was stopped for it (a trial
   * that finished on its own before the stop landed keeps its own result).
   */
  toResult(result: TrialResult, workerSignal: AbortSignal): TrialResult {
    if (this.prunedAt === null || workerSignal.aborted) return result;
    if (result.state !== 'FAIL' || result.failReason !== 'interrupted') return result;
    const { failReason: _reason, error: _error, ...rest } = result;
    const prunedAt = this.prunedAt;
    // Values the process printed after the judged one, before the stop reached it, are ignored like late ones.
    const intermediate = result.intermediate?.filter((p) => p.step <= prunedAt);
    return { ...rest, ...(intermediate ? { intermediate } : {}), state: 'PRUNED', attrs: { ...result.attrs, prunedAtStep: prunedAt } };
  }

  private async handle(point: IntermediateValue): Promise<void> {
    if (this.prunedAt !== null || this.signal.aborted) return;
    this.reported.push(point);
    await this.study.store.reportIntermediate(this.study.name, this.trial.id, point, Date.now());
    if (!this.pruner) return;
    const trials = await this.study.refresh();
    const own = trials.find((t) => t.id === this.trial.id) ?? this.trial;
    const intermediate = mergeSteps(own.intermediate ?? [], this.reported);
    const direction = this.study.record.spec.objectives[0]?.direction ?? 'minimize';
    const prune = this.pruner.shouldPrune({ trial: { ...own, intermediate }, step: point.step, trials, direction });
    if (!prune) return;
    this.prunedAt = point.step;
    this.log.info({ step: point.step, value: point.value, pruner: this.pruner.name }, 'trial pruned');
    this.pruneController.abort();
  }
}

/** The stored values plus ours (ours win on the same step), by step. */
function mergeSteps(stored: readonly IntermediateValue[], ours: readonly IntermediateValue[]): IntermediateValue[] {
  const byStep = new Map<number, number>();
  for (const p of stored) byStep.set(p.step, p.value);
  for (const p of ours) byStep.set(p.step, p.value);
  return [...byStep].map(([step, value]) => ({ step, value })).sort((a, b) => a.step - b.step);
}
