import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** Whether something accepts TCP connections on host:port (what seed 003's is_port_open checks). */
export function isPortOpen(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Polls until nothing accepts connections on host:port; false when the deadline passed first. */
export async function waitPortClosed(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await isPortOpen(host, port, 500))) return true;
    if (Date.now() >= deadline || signal?.aborted) return false;
    await delay(100);
  }
}

/** Inodes of sockets listening on `port` (any address), from /proc/net/tcp and tcp6. Linux only; [] elsewhere. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // sl local_address rem_address st ... inode (10th field); st 0A = LISTEN
      if (fields.length < 10 || fields[3] !== '0A') continue;
      if (fields[1]!.split(':')[1] === portHex) inodes.add(fields[9]!);
    }
  }
  return inodes;
}

/** Pids holding a socket that listens on `port`; only processes whose /proc/<pid>/fd we may read are seen. */
export function listeningPids(port: number): number[] {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return [];
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1]!)) {
        pids.push(Number(entry));
        break;
      }
    }
  }
  return pids;
}

/** The command line of a process as one string (arguments joined by spaces), or undefined when it is gone. */
export function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return undefined;
  }
}

export interface ForeignListener {
  pid: number;
  commandLine: string;
  /** Whether the command line matched the pattern (and so the process was signalled). */
  matched: boolean;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stops the processes listening on `port` whose command line matches `pattern` (SIGTERM, SIGKILL after
 * `graceMs`); any other listener is left alone. Returns every listener found and whether it was signalled.
 */
export async function stopMatchingListeners(port: number, pattern: RegExp, graceMs: number): Promise<ForeignListener[]> {
  const found: ForeignListener[] = [];
  for (const pid of listeningPids(port)) {
    if (pid === process.pid) continue;
    const commandLine = commandLineOf(pid);
    if (commandLine === undefined) continue;
    const matched = pattern.test(commandLine);
    found.push({ pid, commandLine, matched });
    if (!matched) continue;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      continue;
    }
    const deadline = Date.now() + graceMs;
    while (alive(pid) && Date.now() < deadline) await delay(50);
    if (alive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
  return found;
}
