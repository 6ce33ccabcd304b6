import type { Direction, Trial } from '../model.js';

export interface PruneContext {
  /** The running trial, with every intermediate value reported so far (including `step`). */
  trial: Trial;
  /** The step just reported. */
  step: number;
  /** Every trial of the study known to the worker (all workers' trials, read from the store). */
  trials: readonly Trial[];
  /** Direction of the objective the intermediate values measure (the study's first objective). */
  direction: Direction;
}

/** Decides from intermediate values whether a running trial should stop. A pure function of its context. */
export interface Pruner {
  readonly name: string;
  shouldPrune(ctx: PruneContext): boolean;
}
