import pino, { type Logger } from 'pino';
import type { WorkerInfo } from '@swarmtune/core';

/**
 * Structured logs to stderr, one JSON line per event, carrying host and worker ids. On a TTY the progress bar is
 * the display, so only warnings are logged unless SWARMTUNE_LOG_LEVEL says otherwise.
 */
export function createLogger(identity: WorkerInfo, options: { interactive: boolean }): Logger {
  const level = process.env.SWARMTUNE_LOG_LEVEL ?? (options.interactive ? 'warn' : 'info');
  return pino(
    {
      level,
      base: { host: identity.host, worker: identity.workerId, pid: identity.pid },
      // Store URLs may carry a password; never let one reach a log line.
      redact: { paths: ['password', '*.password', 'url', '*.url'], censor: '***' },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
