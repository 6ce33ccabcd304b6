import { countsTowardBudget, type StudyChange, type Trial } from '@swarmtune/core';
import type { Snapshot } from './snapshot.js';

/** The argument of commitChange-7.lua: absolute values only, the same on every master. */
export interface CommitArg {
  seq: number;
  record?: string;
  budget?: number;
  next?: number;
  trials: [string, string, number][];
  pdel: [string, string][];
  /** [field, id, 0 set | 1 set if absent | 2 append to the entry's list]; pdel takes one id out of a list. */
  pset: [string, string, 0 | 1 | 2][];
  wdel: string[];
  wadd: [number, string][];
  rdel: string[];
  radd: string[];
  register: boolean;
}

export function emptyCommit(seq: number): CommitArg {
  return { seq, trials: [], pdel: [], pset: [], wdel: [], wadd: [], rdel: [], radd: [], register: false };
}

/**
 * Turns the trials and record an operation decided into the writes of the index, queues and counters, from how
 * each trial was before (in the snapshot) and after. `seq` is the snapshot's: the commit fails if it moved.
 */
export function toCommit(snap: Snapshot, change: StudyChange): CommitArg {
  const arg = emptyCommit(snap.seq);
  if (change.record) arg.record = JSON.stringify(change.record);
  let budget = snap.budget;
  let next = snap.next;
  for (const trial of change.trials) {
    const old = snap.trials.get(trial.id);
    arg.trials.push([trial.id, JSON.stringify(trial), old?.rev ?? 0]);
    next = Math.max(next, trial.number + 1);
    budget += (countsTowardBudget(trial) ? 1 : 0) - (old && countsTowardBudget(old) ? 1 : 0);
    if (old) unindex(arg, old, trial);
    index(arg, trial, old);
  }
  if (budget !== snap.budget) arg.budget = budget;
  if (next !== snap.next) arg.next = next;
  return arg;
}

function unindex(arg: CommitArg, old: Trial, now: Trial): void {
  if (old.state === now.state) return;
  if (old.state === 'WAITING') arg.wdel.push(old.id);
  if (old.state === 'RUNNING') arg.rdel.push(old.id);
  if (old.paramKey === null) return;
  if (old.state === 'WAITING') arg.pdel.push([`W:${old.paramKey}`, old.id]);
  if (old.state === 'RUNNING') arg.pdel.push([`R:${old.paramKey}`, old.id]);
}

function index(arg: CommitArg, trial: Trial, old: Trial | undefined): void {
  if (old?.state === trial.state) return;
  if (trial.state === 'WAITING') arg.wadd.push([trial.number, trial.id]);
  if (trial.state === 'RUNNING') arg.radd.push(trial.id);
  if (trial.paramKey === null) return;
  if (trial.state === 'WAITING') arg.pset.push([`W:${trial.paramKey}`, trial.id, 2]);
  if (trial.state === 'RUNNING') arg.pset.push([`R:${trial.paramKey}`, trial.id, 2]);
  if (trial.state === 'COMPLETE' && trial.reusedFrom === undefined) {
    arg.pset.push([`C:${trial.paramKey}`, trial.id, 1]);
  }
}
