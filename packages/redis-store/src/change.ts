import { createHash } from 'node:crypto';
import { countsTowardBudget, type StudyChange, type Trial } from '@swarmtune/core';
import type { Snapshot } from './snapshot.js';

/**
 * The arguments of commitChange-7.lua: this (as JSON), then the JSON of each trial in `trials`. Absolute values
 * only, the same on every master, but for guarded changes.
 */
export interface CommitArg {
  /** The study's seq the change was decided from; -1 for a guarded change (see Guards). */
  seq: number;
  record?: string;
  budget?: number;
  next?: number;
  /** [id, rev decided from], plus, for a new trial of a guarded change, its offset among the new trials. */
  trials: ([string, number] | [string, number, number])[];
  /** The trials' JSON, in the order of `trials`; sent as arguments of their own, not part of the change JSON. */
  json: string[];
  pdel: [string, string][];
  /** [field, id, 0 set | 1 set if absent | 2 append to the entry's list]; pdel takes one id out of a list. */
  pset: [string, string, 0 | 1 | 2][];
  wdel: string[];
  /** [number, id], or [0, id, offset] for a new trial of a guarded change. */
  wadd: ([number, string] | [number, string, number])[];
  rdel: string[];
  radd: string[];
  register: boolean;
  // Guarded changes only:
  /** sha1 of the study record JSON the change was decided from ('' when there was none). */
  rec?: string;
  /** [field, first id or ''] of each param-key index entry the decision read. */
  keys?: [string, string][];
  bdelta?: number;
  /** maxTrials: a change that raises the budget must not take it past this. */
  cap?: number;
  /** [maxTrials, 1 if the change ends the study DONE]: the end-of-budget rule must agree (commitChange-7.lua). */
  settle?: [number, 0 | 1];
}

/**
 * What a guarded change (one server, no lock) depends on besides the study record and the trials it writes, as the
 * decisions of core's study-ops read it: the index entries of a param key, the budget check of claimParams, the
 * end-of-budget rule (doneIfSettled: claimParams, finishTrial, failStaleTrials).
 */
export interface Guards {
  paramKey?: string | null;
  /** New trials only while the budget lasts. */
  capped?: boolean;
  settles?: boolean;
}

/** The script's arguments after the keys: see commitChange-7.lua. */
export function commitArgs(arg: CommitArg, study: string, changeStreamMinLength: number): (string | number)[] {
  const { json, ...change } = arg;
  return [JSON.stringify(change), study, changeStreamMinLength, ...json];
}

export function emptyCommit(seq: number): CommitArg {
  return { seq, trials: [], json: [], pdel: [], pset: [], wdel: [], wadd: [], rdel: [], radd: [], register: false };
}

export function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/**
 * Turns the trials and record an operation decided into the writes of the index, queues and counters, from how
 * each trial was before (in the snapshot) and after. Without guards the commit fails if the snapshot's `seq` moved;
 * with guards it fails only if something the decision read changed, and new trials get their numbers at commit
 * (renumber() puts them into the decided trials afterwards).
 */
export function toCommit(snap: Snapshot, change: StudyChange, guards?: Guards): CommitArg {
  const arg = emptyCommit(guards ? -1 : snap.seq);
  if (change.record) arg.record = JSON.stringify(change.record);
  let budget = snap.budget;
  let next = snap.next;
  for (const trial of change.trials) {
    const old = snap.trials.get(trial.id);
    const offset = guards && !old ? trial.number - snap.next : undefined;
    if (offset === undefined) {
      arg.trials.push([trial.id, old?.rev ?? 0]);
      arg.json.push(JSON.stringify(trial));
    } else {
      const { number: _number, ...rest } = trial;
      arg.trials.push([trial.id, 0, offset]);
      arg.json.push(JSON.stringify(rest));
    }
    next = Math.max(next, trial.number + 1);
    budget += (countsTowardBudget(trial) ? 1 : 0) - (old && countsTowardBudget(old) ? 1 : 0);
    if (old) unindex(arg, old, trial);
    index(arg, trial, old, offset);
  }
  if (!guards) {
    if (budget !== snap.budget) arg.budget = budget;
    if (next !== snap.next) arg.next = next;
    return arg;
  }
  arg.rec = snap.recordSha ?? sha1(snap.recordJson);
  arg.keys = [];
  if (guards.paramKey) {
    for (const s of ['W', 'R', 'C'] as const) arg.keys.push([`${s}:${guards.paramKey}`, snap.byKey[s] ?? '']);
  }
  arg.bdelta = budget - snap.budget;
  const maxTrials = snap.record?.spec.limits.maxTrials;
  if (maxTrials !== undefined && guards.capped) arg.cap = maxTrials;
  if (maxTrials !== undefined && guards.settles) {
    const ends = change.record?.state === 'DONE' && snap.record?.state !== 'DONE';
    arg.settle = [maxTrials, ends ? 1 : 0];
  }
  return arg;
}

/** After a guarded commit: the numbers the store gave the new trials, from the first one (`first`) on. */
export function renumber(snap: Snapshot, change: StudyChange, first: number): void {
  for (const trial of change.trials) {
    if (!snap.trials.has(trial.id)) trial.number = first + (trial.number - snap.next);
  }
}

function unindex(arg: CommitArg, old: Trial, now: Trial): void {
  if (old.state === now.state) return;
  if (old.state === 'WAITING') arg.wdel.push(old.id);
  if (old.state === 'RUNNING') arg.rdel.push(old.id);
  if (old.paramKey === null) return;
  if (old.state === 'WAITING') arg.pdel.push([`W:${old.paramKey}`, old.id]);
  if (old.state === 'RUNNING') arg.pdel.push([`R:${old.paramKey}`, old.id]);
}

function index(arg: CommitArg, trial: Trial, old: Trial | undefined, offset: number | undefined): void {
  if (old?.state === trial.state) return;
  if (trial.state === 'WAITING') arg.wadd.push(offset === undefined ? [trial.number, trial.id] : [0, trial.id, offset]);
  if (trial.state === 'RUNNING') arg.radd.push(trial.id);
  if (trial.paramKey === null) return;
  if (trial.state === 'WAITING') arg.pset.push([`W:${trial.paramKey}`, trial.id, 2]);
  if (trial.state === 'RUNNING') arg.pset.push([`R:${trial.paramKey}`, trial.id, 2]);
  if (trial.state === 'COMPLETE' && trial.reusedFrom === undefined) {
    arg.pset.push([`C:${trial.paramKey}`, trial.id, 1]);
  }
}
