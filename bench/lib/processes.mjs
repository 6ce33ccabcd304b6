// Child processes of the cluster and duplicates suites: wait for their "ready" lines, stop them, wait for exits.
import { spawn } from 'node:child_process';

export function spawnNode(script, request, env = {}) {
  const proc = spawn(process.execPath, [script, JSON.stringify(request)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  proc.stderr.on('data', (c) => (err = (err + c).slice(-4000)));
  proc.stderrTail = () => err;
  return proc;
}

export function spawnCommand(cmd, args, env = {}) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  proc.stderr.on('data', (c) => (err = (err + c).slice(-4000)));
  proc.stderrTail = () => err;
  return proc;
}

/** Resolves when every process has printed a line containing "ready"; rejects on an early exit or the deadline. */
export function allReady(procs, timeoutMs) {
  return Promise.all(
    procs.map(
      (p) =>
        new Promise((resolve, reject) => {
          let out = '';
          const timer = setTimeout(() => reject(new Error(`a worker was not ready within ${timeoutMs} ms: ${p.stderrTail()}`)), timeoutMs);
          const onData = (c) => {
            out += c;
            if (out.includes('"ready"')) {
              clearTimeout(timer);
              p.stdout.off('data', onData);
              p.stdout.resume();
              resolve();
            }
          };
          p.stdout.on('data', onData);
          p.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`a worker exited (${code}) before it was ready: ${p.stderrTail()}`));
          });
        }),
    ),
  );
}

export function exited(proc) {
  return proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise((r) => proc.once('exit', r));
}

/** SIGTERM, then SIGKILL for whatever is still alive after `graceMs`. */
export async function stopAll(procs, graceMs = 15_000) {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
  const timer = setTimeout(() => procs.forEach((p) => p.exitCode === null && p.kill('SIGKILL')), graceMs);
  await Promise.all(procs.map(exited));
  clearTimeout(timer);
}
