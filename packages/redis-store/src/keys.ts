/** Every Redis key the store uses, in one place. `p` is the deployment prefix, `s` the study name. */
export class Keys {
  constructor(readonly prefix: string) {}

  get format(): string {
    return `${this.prefix}:format`;
  }
  get studies(): string {
    return `${this.prefix}:studies`;
  }
  /** Hash: record (StudyRecord JSON), seq (bumped by every locked change), budget, next (trial number). */
  study(s: string): string {
    return `${this.prefix}:study:${s}`;
  }
  /** Hash: trial id -> Trial JSON. */
  trials(s: string): string {
    return `${this.prefix}:trials:${s}`;
  }
  /**
   * Hash: `W:<key>` / `R:<key>` -> ids (space-separated, oldest first) of the WAITING / RUNNING trials with that
   * param key; `C:<key>` -> id of the first COMPLETE trial with it that ran (was not reused).
   */
  paramKeys(s: string): string {
    return `${this.prefix}:pkeys:${s}`;
  }
  /** Sorted set of WAITING trial ids, scored by trial number (oldest first). */
  waiting(s: string): string {
    return `${this.prefix}:waiting:${s}`;
  }
  /** Set of RUNNING trial ids. */
  running(s: string): string {
    return `${this.prefix}:running:${s}`;
  }
  /** Stream: one entry `t <trial id>` per trial write, for incremental reads. */
  changes(s: string): string {
    return `${this.prefix}:changes:${s}`;
  }
  /** Written only on master `index` (canonical order): see README, "Multi-master". */
  lock(s: string, index: number): string {
    return `${this.prefix}:lock:${s}:${index}`;
  }
  events(s: string): string {
    return `${this.prefix}:events:${s}`;
  }
  /** The keys of commitChange / rebuildStudy, in their order. */
  studyKeys(s: string): string[] {
    return [
      this.study(s),
      this.trials(s),
      this.paramKeys(s),
      this.waiting(s),
      this.running(s),
      this.changes(s),
      this.studies,
    ];
  }
}
