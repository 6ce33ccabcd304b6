import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from '../errors.js';
import { STORE_FORMAT_VERSION } from '../model.js';
import {
  BadJournalLine,
  checkEntry,
  checkHeader,
  headerLine,
  NewerJournalFormat,
  type JournalEntry,
} from './journal-format.js';

export interface JournalFileOptions {
  /** fdatasync after every append (survives a machine crash, not only a process crash). */
  fsync: boolean;
  warn: (message: string) => void;
}

/**
 * The journal file seen from one process: how far this process has read (a byte offset after the last complete,
 * applied line) and appending under the caller's lock. All I/O is synchronous: a store operation's read-apply-append
 * runs without yielding, which keeps it atomic within the process, and each call is a few microseconds.
 */
export class JournalFile {
  private offset = 0;
  private linesRead = 0;
  private warnedAt = -1;

  private constructor(
    readonly path: string,
    private fd: number | null,
    private readonly options: JournalFileOptions,
  ) {}

  /** Opens (creating the file and its folder when missing) without writing anything. */
  static open(path: string, options: JournalFileOptions): JournalFile {
    try {
      mkdirSync(dirname(path), { recursive: true });
      return new JournalFile(path, openSync(path, 'a+'), options);
    } catch (error) {
      throw new StoreError(`file store ${path}: cannot open: ${(error as Error).message}`);
    }
  }

  /**
   * Reads the complete lines this process has not read yet and hands each entry to `apply`, in order. A line
   * without its newline is someone's write in progress and is left for later. With `locked` (the caller holds the
   * write lock, so nobody is writing) an unfinished or unparseable tail is a torn write of a killed process and is
   * cut off. An unparseable line with more lines after it is corruption: StoreError naming the file and line.
   */
  readNew(locked: boolean, apply: (entry: JournalEntry, line: number) => void): void {
    const fd = this.descriptor();
    const size = fstatSync(fd).size;
    if (size < this.offset) {
      throw new StoreError(
        `file store ${this.path}: the file is shorter (${size} bytes) than what was read from it (${this.offset} bytes): ` +
          'something other than swarmtune truncated or replaced it',
      );
    }
    if (size === this.offset) return;
    const start = this.offset;
    const bytes = readRange(fd, start, size - start);
    let pos = 0;
    for (;;) {
      const newline = bytes.indexOf(10, pos);
      if (newline === -1) break;
      const line = this.linesRead + 1;
      let parsed: unknown;
      try {
        parsed = JSON.parse(bytes.toString('utf8', pos, newline));
      } catch (error) {
        // A torn write never ends with its newline, so a complete first line that does not parse is no journal.
        if (line === 1) throw this.corrupted(line, 'not a swarmtune file store (the first line is not JSON)');
        const isLastLine = bytes.indexOf(10, newline + 1) === -1;
        if (isLastLine) {
          if (!locked) this.warnOnce(`file store ${this.path}, line ${line}: skipping an unreadable last line (torn write)`);
          break;
        }
        throw this.corrupted(line, `not valid JSON (${(error as Error).message})`);
      }
      try {
        if (line === 1) checkHeader(parsed);
        else apply(checkEntry(parsed), line);
      } catch (error) {
        throw this.lineError(line, error);
      }
      pos = newline + 1;
      this.offset = start + pos;
      this.linesRead = line;
    }
    if (locked && pos < bytes.length) {
      ftruncateSync(fd, this.offset);
      this.options.warn(
        `file store ${this.path}: removed a torn last line (${bytes.length - pos} bytes after line ${this.linesRead}) ` +
          'left by a writer that was killed mid-write',
      );
    }
  }

  /** Appends lines; the caller holds the lock and has just called readNew(true), so the file ends where we read. */
  append(text: string): void {
    const fd = this.descriptor();
    const data = Buffer.from(this.offset === 0 ? headerLine(Date.now()) + text : text);
    try {
      let written = 0;
      while (written < data.length) written += writeSync(fd, data, written, data.length - written);
      if (this.options.fsync) fdatasyncSync(fd);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new StoreError(`file store ${this.path}: cannot append: ${(error as Error).message}`, code === 'ENOSPC');
    }
    this.offset += data.length;
    for (let i = 0; i < data.length; i++) if (data[i] === 10) this.linesRead++;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private descriptor(): number {
    if (this.fd === null) throw new StoreError(`file store ${this.path} is closed`);
    return this.fd;
  }

  private corrupted(line: number, problem: string): StoreError {
    return new StoreError(
      `file store ${this.path}, line ${line}: ${problem}. The store contents are corrupted; nothing was written.`,
    );
  }

  private lineError(line: number, error: unknown): StoreError {
    if (error instanceof NewerJournalFormat) {
      return new StoreError(
        `file store ${this.path}, line ${line}: written with store format version ${error.found}, newer than the ` +
          `version this swarmtune reads (${STORE_FORMAT_VERSION}); upgrade swarmtune. Nothing was written.`,
      );
    }
    if (error instanceof BadJournalLine || error instanceof StoreError) return this.corrupted(line, error.message);
    return this.corrupted(line, String(error));
  }

  private warnOnce(message: string): void {
    if (this.warnedAt === this.offset) return;
    this.warnedAt = this.offset;
    this.options.warn(message);
  }
}

function readRange(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buffer, got, length - got, position + got);
    if (n === 0) break; // truncated meanwhile by a writer removing a torn tail
    got += n;
  }
  return buffer.subarray(0, got);
}
