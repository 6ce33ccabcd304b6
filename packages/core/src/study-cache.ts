import type { StudyRecord, Trial } from './model.js';
import type { Store } from './store/store.js';

/**
 * A worker's local copy of one study's trials. `refresh` reads only what changed since the last call, and the copy
 * is kept ordered as trials arrive (new ones almost always go at the end), so neither staying current nor handing
 * the trials to the sampler grows with the size of the study.
 */
export class StudyCache {
  private readonly byId = new Map<string, Trial>();
  private readonly ordered: Trial[] = [];
  private cursor: string | null = null;
  private waiting = 0;

  constructor(
    private readonly store: Store,
    readonly study: string,
  ) {}

  /** Reads what changed; returns the study record when the store read it in the same step. */
  async refresh(): Promise<StudyRecord | undefined> {
    const batch = await this.store.readChanges(this.study, this.cursor);
    for (const t of batch.trials) this.put(t);
    this.cursor = batch.cursor;
    return batch.record;
  }

  /** Keeps the newest copy of a trial (highest rev); writes we made ourselves go in here at once. */
  put(trial: Trial): void {
    const known = this.byId.get(trial.id);
    if (known && known.rev >= trial.rev) return;
    this.byId.set(trial.id, trial);
    if (known?.state === 'WAITING') this.waiting--;
    if (trial.state === 'WAITING') this.waiting++;
    if (known && known.number === trial.number) {
      this.ordered[this.indexOf(known)] = trial;
      return;
    }
    if (known) this.ordered.splice(this.indexOf(known), 1);
    const last = this.ordered[this.ordered.length - 1];
    if (!last || last.number <= trial.number) this.ordered.push(trial);
    else this.ordered.splice(this.firstAfter(trial.number), 0, trial);
  }

  /**
   * Every known trial, ordered by number. The array is the cache's own and changes in place with later puts and
   * refreshes: copy it to keep a snapshot.
   */
  trials(): readonly Trial[] {
    return this.ordered;
  }

  get size(): number {
    return this.byId.size;
  }

  /** WAITING trials in the cache (as of the last refresh and own writes). */
  get waitingCount(): number {
    return this.waiting;
  }

  /** Index of the first trial with a number above `number`. */
  private firstAfter(number: number): number {
    let lo = 0;
    let hi = this.ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ordered[mid]!.number <= number) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private indexOf(trial: Trial): number {
    // Numbers are unique but for a partitioned multi-master store: look among the equal ones for the id.
    for (let i = this.firstAfter(trial.number) - 1; i >= 0 && this.ordered[i]!.number === trial.number; i--) {
      if (this.ordered[i]!.id === trial.id) return i;
    }
    throw new Error(`study cache: trial ${trial.id} missing from the ordered list`);
  }
}
