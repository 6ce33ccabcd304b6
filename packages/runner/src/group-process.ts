import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { killProcessGroup } from './process-group.js';

/** After the leader exited and its group is gone, how long stdout/stderr may stay open (held by an escaped daemon). */
const STREAM_CLOSE_WAIT_MS = 2_000;

export interface GroupProcessOptions {
  file: string;
  args: string[];
  cwd: string;
  /** Added to this process' environment. */
  env: Record<string, string>;
  timeoutMs?: number;
  killGraceMs: number;
  signal?: AbortSignal;
  /** Text as it arrives; return a promise to pause the stream until it settles (backpressure). */
  onStdout: (chunk: string) => Promise<void> | void;
  onStderr: (chunk: string) => Promise<void> | void;
  onSpawn?: (pid: number) => void;
}

export interface GroupProcessResult {
  /** Absent when the process could not be started (see `spawnError`). */
  pid?: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when we stopped the group: the timeout passed or the AbortSignal fired. */
  stoppedBy?: 'timeout' | 'abort';
  spawnError?: string;
}

function pump(stream: Readable | null, handler: (chunk: string) => Promise<void> | void): void {
  if (!stream) return;
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const pending = handler(chunk);
    if (pending) {
      stream.pause();
      void pending.finally(() => stream.resume());
    }
  });
}

/**
 * Runs a command as the leader of a new process group (`detached: true`). A timeout or abort stops the whole
 * group (SIGTERM, SIGKILL after the grace). When the leader ends on its own, members it left behind are stopped
 * the same way, so a trial never leaves processes running. Resolves after the leader exited and the group is gone.
 */
export async function runInProcessGroup(options: GroupProcessOptions): Promise<GroupProcessResult> {
  const subprocess = execa(options.file, options.args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
    detached: true,
    stdin: 'ignore',
    buffer: false,
    reject: false,
  });
  const settled = subprocess.then((r) => r);
  const pid = subprocess.pid;
  if (pid === undefined) {
    const failure = await settled;
    return { exitCode: null, signal: null, spawnError: failure.originalMessage || failure.message };
  }

  pump(subprocess.stdout, options.onStdout);
  pump(subprocess.stderr, options.onStderr);
  options.onSpawn?.(pid);

  let exited = false;
  let stoppedBy: GroupProcessResult['stoppedBy'];
  let stopping: Promise<unknown> | undefined;
  const stop = (why: 'timeout' | 'abort') => {
    if (exited || stoppedBy) return;
    stoppedBy = why;
    stopping = killProcessGroup(pid, options.killGraceMs);
  };
  const onAbort = () => stop('abort');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop('abort');
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), options.timeoutMs);

  const exit = await Promise.race([
    new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      subprocess.once('exit', (code, signal) => resolve({ code, signal }));
    }),
    settled.then((r) => ({ code: r.exitCode ?? null, signal: (r.signal ?? null) as NodeJS.Signals | null })),
  ]);
  exited = true;
  clearTimeout(timer);
  options.signal?.removeEventListener('abort', onAbort);

  // Either finish the stop in progress, or stop whatever the leader left behind (a no-op when nothing is left).
  await (stopping ?? killProcessGroup(pid, options.killGraceMs));

  const waitCancel = new AbortController();
  const closed = await Promise.race([
    settled.then(() => true),
    delay(STREAM_CLOSE_WAIT_MS, false, { signal: waitCancel.signal }).catch(() => false),
  ]);
  waitCancel.abort();
  if (!closed) {
    // A process that left the group (setsid) still holds our pipes; stop reading rather than wait for it.
    subprocess.stdout?.destroy();
    subprocess.stderr?.destroy();
    await settled;
  }
  return { pid, exitCode: exit.code, signal: exit.signal, ...(stoppedBy ? { stoppedBy } : {}) };
}
