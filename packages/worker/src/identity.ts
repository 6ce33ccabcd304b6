import { randomBytes } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { WorkerInfo } from '@swarmtune/core';

/** Host name as reports show it: SWARMTUNE_HOST (containers set it to the node's name, tests to anything) or the OS's. */
export function hostName(env: NodeJS.ProcessEnv = process.env): string {
  return env.SWARMTUNE_HOST?.trim() || hostname();
}

/**
 * The pid namespace of this process (Linux), so that "same host and that pid is dead" is only concluded for
 * processes we can actually see: containers on one node share the host name but not the pid numbers.
 */
export function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

export function workerIdentity(env: NodeJS.ProcessEnv = process.env): WorkerInfo {
  return { host: hostName(env), workerId: `w-${randomBytes(4).toString('hex')}`, pid: process.pid };
}

/** Whether a process with this pid exists in our pid namespace. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
