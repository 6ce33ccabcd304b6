// The lines of a file store's journal. The first line is a header; every other line is one operation's resulting
// records: {"op":"claimParams","study":"s","record":{...},"trials":[{...}]}. A line is written with one write() and
// ends with "\n", so a line without its newline is a write in progress or a torn one.
import { STORE_FORMAT_VERSION, type StudyRecord, type Trial } from '../model.js';
import type { BookChange } from './study-book.js';

export const JOURNAL_KIND = 'swarmtune-journal';

export interface JournalHeader {
  kind: typeof JOURNAL_KIND;
  formatVersion: number;
  createdAt: number;
}

export interface JournalEntry extends BookChange {
  op: string;
  study: string;
}

/** A line that is valid JSON but not what this version writes: the store is corrupted (or from elsewhere). */
export class BadJournalLine extends Error {}

/** The newer format that a journal (or a record in it) declares; never read by this version. */
export class NewerJournalFormat extends Error {
  constructor(readonly found: number) {
    super(`format version ${found}`);
  }
}

const TRIAL_STATES = new Set(['WAITING', 'RUNNING', 'COMPLETE', 'PRUNED', 'FAIL']);
const STUDY_STATES = new Set(['PENDING', 'RUNNING', 'DONE', 'TIMEOUT', 'STOPPED', 'ERROR']);

export function headerLine(now: number): string {
  const header: JournalHeader = { kind: JOURNAL_KIND, formatVersion: STORE_FORMAT_VERSION, createdAt: now };
  return JSON.stringify(header) + '\n';
}

export function entryLine(op: string, study: string, change: BookChange): string {
  const entry: JournalEntry = { op, study, trials: change.trials };
  if (change.record) entry.record = change.record;
  return JSON.stringify(entry) + '\n';
}

/** Throws BadJournalLine or NewerJournalFormat. */
export function checkHeader(value: unknown): JournalHeader {
  if (!isObject(value) || value.kind !== JOURNAL_KIND) {
    throw new BadJournalLine(`the first line is not a ${JOURNAL_KIND} header: this is not a swarmtune file store`);
  }
  if (!Number.isInteger(value.formatVersion) || (value.formatVersion as number) < 1) {
    throw new BadJournalLine(`the header's formatVersion is ${JSON.stringify(value.formatVersion)}`);
  }
  if ((value.formatVersion as number) > STORE_FORMAT_VERSION) {
    throw new NewerJournalFormat(value.formatVersion as number);
  }
  return value as unknown as JournalHeader;
}

/** Checks the shape of a parsed entry line (not its consistency with the book: the book does that). */
export function checkEntry(value: unknown): JournalEntry {
  if (!isObject(value)) throw new BadJournalLine('expected an object');
  const { op, study, record, trials } = value;
  if (typeof op !== 'string' || op === '') throw new BadJournalLine('"op" must be a non-empty string');
  if (typeof study !== 'string' || study === '') throw new BadJournalLine('"study" must be a non-empty string');
  if (record !== undefined) checkRecord(record, study);
  if (!Array.isArray(trials)) throw new BadJournalLine('"trials" must be a list');
  trials.forEach((trial, i) => checkTrial(trial, study, i));
  return value as unknown as JournalEntry;
}

function checkRecord(record: unknown, study: string): asserts record is StudyRecord {
  if (!isObject(record)) throw new BadJournalLine('"record" must be an object');
  if (record.name !== study) throw new BadJournalLine(`"record.name" is ${JSON.stringify(record.name)}, not "${study}"`);
  if (!STUDY_STATES.has(record.state as string)) {
    throw new BadJournalLine(`"record.state" ${JSON.stringify(record.state)} is not a study state`);
  }
  if (!isObject(record.spec) || !Array.isArray(record.spec.objectives) || !isObject(record.spec.limits)) {
    throw new BadJournalLine('"record.spec" needs "objectives" and "limits"');
  }
  if (!Number.isInteger(record.formatVersion)) throw new BadJournalLine('"record.formatVersion" must be an integer');
  if ((record.formatVersion as number) > STORE_FORMAT_VERSION) {
    throw new NewerJournalFormat(record.formatVersion as number);
  }
}

function checkTrial(trial: unknown, study: string, index: number): asserts trial is Trial {
  const where = `"trials[${index}]`;
  if (!isObject(trial)) throw new BadJournalLine(`${where}" must be an object`);
  if (typeof trial.id !== 'string' || trial.id === '') throw new BadJournalLine(`${where}.id" must be a string`);
  if (!Number.isInteger(trial.number) || (trial.number as number) < 0) {
    throw new BadJournalLine(`${where}.number" must be an integer >= 0`);
  }
  if (trial.study !== study) throw new BadJournalLine(`${where}.study" is ${JSON.stringify(trial.study)}, not "${study}"`);
  if (!TRIAL_STATES.has(trial.state as string)) {
    throw new BadJournalLine(`${where}.state" ${JSON.stringify(trial.state)} is not a trial state`);
  }
  if (!isObject(trial.params)) throw new BadJournalLine(`${where}.params" must be an object`);
  if (trial.paramKey !== null && typeof trial.paramKey !== 'string') {
    throw new BadJournalLine(`${where}.paramKey" must be a string or null`);
  }
  if (!Number.isInteger(trial.rev) || typeof trial.createdAt !== 'number') {
    throw new BadJournalLine(`${where}" needs an integer "rev" and a numeric "createdAt"`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
