import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError } from '../errors.js';

export interface FileLockOptions {
  /** A lock older than this is abandoned (its holder keeps it for microseconds). */
  staleMs: number;
  /** Give up waiting (a transient StoreError) after this long. */
  timeoutMs: number;
  warn: (message: string) => void;
}

interface LockHolder {
  pid: number;
  host: string;
  time: number;
  token: string;
}

/** Tokens of the locks this process holds right now, to tell them from a lock left by an earlier process with our pid. */
const heldHere = new Set<string>();
const HOST = hostname();
const FIRST_BACKOFF_MS = 1;
const MAX_BACKOFF_MS = 10;

/**
 * An inter-process lock: a file created with O_EXCL holding {pid, host, time, token}. A lock whose holder is a dead
 * process on this host is broken at once; any other lock older than `staleMs` is broken too. Waiters back off
 * (1 ms doubling to 10 ms, with jitter). Breaking is itself guarded by a second O_EXCL file, so two waiters that
 * both judged a lock abandoned cannot remove a fresh lock taken in between.
 */
export class FileLock {
  private token: string | null = null;

  constructor(
    readonly path: string,
    private readonly options: FileLockOptions,
  ) {}

  async acquire(): Promise<void> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      if (this.tryAcquire()) return;
      if (this.breakIfAbandoned() && this.tryAcquire()) return;
      if (Date.now() - started > this.options.timeoutMs) {
        throw new StoreError(
          `file store lock ${this.path}: still held after ${this.options.timeoutMs} ms (${describe(this.path)})`,
          true,
        );
      }
      const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** attempt);
      await sleep(backoff * (0.5 + Math.random()));
    }
  }

  release(): void {
    const token = this.token;
    if (token === null) return;
    this.token = null;
    heldHere.delete(token);
    const holder = readHolder(this.path);
    if (holder?.token === token) {
      unlinkQuietly(this.path);
    } else {
      this.options.warn(`file store lock ${this.path} was broken while this process held it (held too long?)`);
    }
  }

  private tryAcquire(): boolean {
    let fd: number;
    try {
      fd = openSync(this.path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw new StoreError(`file store lock ${this.path}: ${(error as Error).message}`);
    }
    const token = randomBytes(8).toString('hex');
    const holder: LockHolder = { pid: process.pid, host: HOST, time: Date.now(), token };
    try {
      writeSync(fd, JSON.stringify(holder));
    } finally {
      closeSync(fd);
    }
    this.token = token;
    heldHere.add(token);
    return true;
  }

  /** Removes the lock when its holder is gone or it is stale; true when the lock is free now. */
  private breakIfAbandoned(): boolean {
    let seen: string;
    try {
      seen = readFileSync(this.path, 'utf8');
    } catch {
      return true; // released meanwhile
    }
    const holder = parseHolder(seen);
    const why = holder ? abandonedBecause(holder) : null;
    const age = Date.now() - (holder?.time ?? mtimeOf(this.path) ?? Date.now());
    if (why === null && age <= this.options.staleMs) return false;
    return this.breakLock(seen, why ?? `held for ${age} ms, longer than ${this.options.staleMs} ms`);
  }

  private breakLock(seen: string, why: string): boolean {
    const guard = `${this.path}.break`;
    let fd: number;
    try {
      fd = openSync(guard, 'wx');
    } catch {
      // Someone else is breaking it; a guard left by a process killed while breaking expires like a lock.
      const guardTime = mtimeOf(guard);
      if (guardTime !== null && Date.now() - guardTime > this.options.staleMs) unlinkQuietly(guard);
      return false;
    }
    closeSync(fd);
    try {
      let current: string;
      try {
        current = readFileSync(this.path, 'utf8');
      } catch {
        return true;
      }
      if (current !== seen) return false; // taken by someone else since we looked
      unlinkQuietly(this.path);
      this.options.warn(`file store lock ${this.path}: broke an abandoned lock (${why})`);
      return true;
    } finally {
      unlinkQuietly(guard);
    }
  }
}

function abandonedBecause(holder: LockHolder): string | null {
  if (holder.host !== HOST) return null;
  if (holder.pid === process.pid) return heldHere.has(holder.token) ? null : `left by an earlier process with pid ${holder.pid}`;
  return isAlive(holder.pid) ? null : `its holder, pid ${holder.pid}, is gone`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.time === 'number') {
      return { pid: value.pid, host: value.host, time: value.time, token: String(value.token ?? '') };
    }
  } catch {
    // being written right now, or garbage: judged by the file's age
  }
  return null;
}

function readHolder(path: string): LockHolder | null {
  try {
    return parseHolder(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

function describe(path: string): string {
  const holder = readHolder(path);
  return holder ? `by pid ${holder.pid} on ${holder.host}` : 'holder unknown';
}

function mtimeOf(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
