import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/** How long to wait after SIGKILL for the group to disappear before giving up (a process stuck in the kernel). */
const AFTER_KILL_WAIT_MS = 5_000;

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function assertGroupId(pgid: number): void {
  // kill(-0) / kill(-1) would hit our own group / every process we may signal.
  if (!Number.isInteger(pgid) || pgid <= 1) throw new RangeError(`not a process group id: ${pgid}`);
}

/** Linux: whether some member of the group is not a zombie (zombies linger until their reaper collects them). */
function groupHasLiveMemberInProc(pgid: number): boolean | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

/**
 * Whether any process of the group `pgid` still runs. A group of only zombies counts as gone: in a container
 * whose PID 1 does not reap orphans they would otherwise look alive forever.
 */
export function isProcessGroupAlive(pgid: number): boolean {
  assertGroupId(pgid);
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    if (errnoCode(err) === 'ESRCH') return false;
    if (errnoCode(err) !== 'EPERM') throw err;
  }
  return groupHasLiveMemberInProc(pgid) ?? true;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ESRCH') return false;
    throw err;
  }
}

async function waitUntilGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let interval = 10;
  for (;;) {
    if (!isProcessGroupAlive(pgid)) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await delay(Math.min(interval, left));
    interval = Math.min(interval * 2, 100);
  }
}

export type KillOutcome = 'already_gone' | 'terminated' | 'killed';

/**
 * Stops the whole process group `pgid` (a process started with `detached: true` leads a group whose id is its
 * pid): SIGTERM to every member, then SIGKILL to whatever is left after `graceMs`. Resolves once no member runs
 * (or, if something survives even SIGKILL for 5 s, gives up). Safe when the group is already gone.
 */
export async function killProcessGroup(pgid: number, graceMs: number): Promise<KillOutcome> {
  assertGroupId(pgid);
  if (!isProcessGroupAlive(pgid)) return 'already_gone';
  if (!signalGroup(pgid, 'SIGTERM')) return 'already_gone';
  if (await waitUntilGone(pgid, Math.max(0, graceMs))) return 'terminated';
  if (signalGroup(pgid, 'SIGKILL')) await waitUntilGone(pgid, AFTER_KILL_WAIT_MS);
  return 'killed';
}
