import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

/** A partial line is held back up to this size so that stdout and stderr lines do not interleave mid-line. */
const MAX_HELD_LINE = 64 * 1024;

type Source = 'stdout' | 'stderr';

/**
 * `<logDir>/trial-<n>.log`: a header (command, cwd, params env), then stdout lines as they are and stderr lines
 * prefixed with `[stderr] `, as they arrive, then a footer with how the process ended. Written through a stream;
 * `write` returns false when the caller should wait for `drained()` before feeding more.
 */
export class TrialLog {
  private readonly stream: WriteStream;
  private readonly held: Record<Source, string> = { stdout: '', stderr: '' };
  private failure: Error | undefined;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'w' });
    this.stream.on('error', (err) => {
      this.failure = err;
    });
  }

  line(text: string): boolean {
    return this.stream.write(`${text}\n`);
  }

  write(source: Source, chunk: string): boolean {
    const text = this.held[source] + chunk;
    const nl = text.lastIndexOf('\n');
    let complete = nl === -1 ? '' : text.slice(0, nl + 1);
    let rest = nl === -1 ? text : text.slice(nl + 1);
    if (rest.length > MAX_HELD_LINE) {
      complete += `${rest}\n`;
      rest = '';
    }
    this.held[source] = rest;
    if (complete === '') return true;
    return this.stream.write(source === 'stderr' ? prefixLines(complete, '[stderr] ') : complete);
  }

  /** Resolves when buffered writes went out (or the file failed: the log is best effort, the trial goes on). */
  async drained(): Promise<void> {
    if (!this.stream.writableNeedDrain || this.failure) return;
    try {
      await once(this.stream, 'drain');
    } catch {
      // reported through `failure`
    }
  }

  /** Flushes held partial lines, writes the footer and closes the file. Never throws: the log is best effort. */
  async close(footer: string[]): Promise<void> {
    for (const source of ['stdout', 'stderr'] as const) {
      if (this.held[source] !== '') this.write(source, '\n');
    }
    for (const l of footer) this.line(l);
    if (this.failure) return;
    this.stream.end();
    try {
      await once(this.stream, 'close');
    } catch {
      // reported through `failure`
    }
  }
}

function prefixLines(text: string, prefix: string): string {
  // `text` ends with '\n'; prefix every line in it.
  return prefix + text.slice(0, -1).replaceAll('\n', `\n${prefix}`) + '\n';
}
