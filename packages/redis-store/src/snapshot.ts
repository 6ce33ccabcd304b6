import { countsTowardBudget, StoreError, type StudyRecord, type Trial } from '@swarmtune/core';

/** What readStudy-5.lua returned from one master: the study's counters and the few trials an operation needs. */
export interface Snapshot {
  seq: number;
  record: StudyRecord | null;
  /** The record as stored ('' when missing): guarded commits check it has not changed (by its sha1). */
  recordJson: string;
  recordSha?: string;
  budget: number;
  next: number;
  runningCount: number;
  waitingCount: number;
  /** Ids the param-key index holds for the requested key. */
  byKey: { W?: string; R?: string; C?: string };
  oldestWaiting?: string;
  runningIds: string[];
  trials: Map<string, Trial>;
}

export function parseTrial(json: string, where: string): Trial {
  try {
    const t = JSON.parse(json) as Trial;
    if (typeof t !== 'object' || t === null || typeof t.id !== 'string' || typeof t.rev !== 'number') {
      throw new Error('not a trial');
    }
    return t;
  } catch (err) {
    throw new StoreError(`store contents: ${where} is not a valid trial (${(err as Error).message})`);
  }
}

export function parseRecord(json: string, where: string): StudyRecord {
  try {
    const r = JSON.parse(json) as StudyRecord;
    if (typeof r !== 'object' || r === null || typeof r.name !== 'string' || typeof r.state !== 'string') {
      throw new Error('not a study record');
    }
    return r;
  } catch (err) {
    throw new StoreError(`store contents: ${where} is not a valid study record (${(err as Error).message})`);
  }
}

function int(text: string | undefined, where: string): number {
  const n = Number(text ?? '0');
  if (!Number.isInteger(n) || n < 0) throw new StoreError(`store contents: ${where} is "${text}", not a count`);
  return n;
}

export function parseSnapshot(reply: unknown, study: string): Snapshot {
  const a = reply as string[];
  const where = `study "${study}"`;
  const snap: Snapshot = {
    seq: int(a[0], `${where} seq`),
    record: a[1] ? parseRecord(a[1], `${where} record`) : null,
    recordJson: a[1] ?? '',
    budget: int(a[2], `${where} budget`),
    next: int(a[3], `${where} next`),
    runningCount: int(a[4], `${where} running count`),
    waitingCount: int(a[5], `${where} waiting count`),
    byKey: {},
    runningIds: [],
    trials: new Map(),
  };
  if (a[6]) snap.byKey.W = a[6];
  if (a[7]) snap.byKey.R = a[7];
  if (a[8]) snap.byKey.C = a[8];
  if (a[9]) snap.oldestWaiting = a[9];
  const nRunning = int(a[10], `${where} running ids`);
  let i = 11;
  for (; i < 11 + nRunning; i++) snap.runningIds.push(a[i]!);
  for (; i + 1 < a.length; i += 2) {
    const json = a[i + 1]!;
    if (json !== '') snap.trials.set(a[i]!, parseTrial(json, `${where} trial ${a[i]}`));
  }
  return snap;
}

/** Keeps, for every trial id, the copy with the highest rev. */
export function mergeTrialInto(into: Map<string, Trial>, trial: Trial): void {
  const have = into.get(trial.id);
  if (!have || have.rev < trial.rev) into.set(trial.id, trial);
}

/**
 * Snapshots of the same study from several masters that agree on `seq` (the caller converged them first): the
 * counters and index of the first, the union of the trials with the highest rev of each.
 */
export function mergeSnapshots(snaps: Snapshot[]): Snapshot {
  const first = snaps[0]!;
  const merged: Snapshot = { ...first, trials: new Map(first.trials) };
  for (const s of snaps.slice(1)) for (const t of s.trials.values()) mergeTrialInto(merged.trials, t);
  return merged;
}

/** Budget, queues and index as they follow from a complete set of trials (used when masters are repaired). */
export function deriveIndexes(trials: Iterable<Trial>): {
  budget: number;
  next: number;
  pkeys: [string, string][];
  waiting: [number, string][];
  running: string[];
} {
  const sorted = [...trials].sort((a, b) => a.number - b.number);
  let budget = 0;
  let next = 0;
  const pkeys = new Map<string, string>();
  const append = (field: string, id: string) => pkeys.set(field, pkeys.has(field) ? `${pkeys.get(field)} ${id}` : id);
  const waiting: [number, string][] = [];
  const running: string[] = [];
  for (const t of sorted) {
    if (countsTowardBudget(t)) budget++;
    next = Math.max(next, t.number + 1);
    if (t.state === 'WAITING') waiting.push([t.number, t.id]);
    if (t.state === 'RUNNING') running.push(t.id);
    if (t.paramKey === null) continue;
    if (t.state === 'WAITING') append(`W:${t.paramKey}`, t.id);
    if (t.state === 'RUNNING') append(`R:${t.paramKey}`, t.id);
    if (t.state === 'COMPLETE' && t.reusedFrom === undefined && !pkeys.has(`C:${t.paramKey}`)) {
      pkeys.set(`C:${t.paramKey}`, t.id);
    }
  }
  return { budget, next, pkeys: [...pkeys], waiting, running };
}
