import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** A fresh temp folder, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'swarmtune-runner-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes a node script into `dir` and returns the argv that runs it. */
export function nodeScript(dir: string, name: string, source: string): string[] {
  const path = join(dir, name);
  writeFileSync(path, source);
  return [process.execPath, path];
}

/** Polls until `condition` holds; fails with `what` after the deadline. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

/** True when no process has this pid any more (kill(pid, 0) fails with ESRCH). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw err;
  }
}

/** Waits until the pid is gone. Zombies of orphans can linger until PID 1 reaps them, hence a poll. */
export async function waitUntilProcessGone(pid: number): Promise<void> {
  await waitFor(() => processGone(pid), `pid ${pid} to disappear`);
}

/** True while the process runs: it exists and is not a zombie (read from /proc, independent of the runner's code). */
export function processRunning(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  return state !== 'Z' && state !== 'X';
}

/** Pids of running processes whose environment holds `name=value`: every process a service started inherits it. */
export function processesWithEnv(name: string, value: string): number[] {
  const needle = `${name}=${value}`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
    } catch {
      continue;
    }
    if (environ.split('\0').includes(needle) && processRunning(Number(entry))) pids.push(Number(entry));
  }
  return pids;
}
