import { InputError } from '../errors.js';
import type { ChangeBatch } from './store.js';
import type { StudyBook } from './study-book.js';

// A readChanges cursor is the position in the book's change sequence, as a decimal string. Every process that
// replays the same journal builds the same sequence, so a cursor stays valid across processes of one file store.
export function changesSince(book: StudyBook | undefined, cursor: string | null): ChangeBatch {
  const from = cursor === null ? 0 : parseCursor(cursor);
  if (!book) return { trials: [], cursor: '0' };
  // A cursor past the end came from another store (or a study that was re-created): start over.
  const start = from > book.changeSeq ? 0 : from;
  return { trials: book.changedSince(start), cursor: String(book.changeSeq), record: book.record };
}

function parseCursor(cursor: string): number {
  if (typeof cursor !== 'string' || !/^\d{1,15}$/.test(cursor)) {
    throw new InputError('readChanges cursor', `"${String(cursor)}" is not a cursor returned by this store`);
  }
  return Number(cursor);
}
