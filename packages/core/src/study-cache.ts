import type { Trial } from './model.js';
import type { Store } from './store/store.js';

/**
 * A worker's local copy of one study's trials. `refresh` reads only what changed since the last call, so the cost
 * of staying current does not grow with the size of the study.
 */
export class StudyCache {
  private readonly byId = new Map<string, Trial>();
  private cursor: string | null = null;
  private ordered: Trial[] | null = null;

  constructor(
    private readonly store: Store,
    readonly study: string,
  ) {}

  async refresh(): Promise<void> {
    const batch = await this.store.readChanges(this.study, this.cursor);
    for (const t of batch.trials) this.put(t);
    this.cursor = batch.cursor;
  }

  /** Keeps the newest copy of a trial (highest rev); writes we made ourselves go in here at once. */
  put(trial: Trial): void {
    const known = this.byId.get(trial.id);
    if (known && known.rev >= trial.rev) return;
    this.byId.set(trial.id, trial);
    this.ordered = null;
  }

  /** Every known trial, ordered by number. */
  trials(): readonly Trial[] {
    if (!this.ordered) this.ordered = [...this.byId.values()].sort((a, b) => a.number - b.number);
    return this.ordered;
  }

  get size(): number {
    return this.byId.size;
  }
}
