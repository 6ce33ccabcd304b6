/**
 * Splits a text stream into lines across chunk boundaries. A line longer than `maxLineLength` is not kept whole:
 * its first `maxLineLength` characters are reported with `truncated: true` and the rest is dropped up to the next
 * newline, so memory stays bounded whatever the process prints.
 */
export class LineSplitter {
  private pending = '';
  private overlong = false;

  constructor(
    private readonly onLine: (line: string, truncated: boolean) => void,
    private readonly maxLineLength: number,
  ) {}

  push(chunk: string): void {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      this.append(chunk.slice(start, nl));
      this.emit();
      start = nl + 1;
    }
    this.append(chunk.slice(start));
  }

  /** Reports a last line that had no newline. */
  end(): void {
    if (this.pending !== '' || this.overlong) this.emit();
  }

  private append(text: string): void {
    if (this.overlong) return;
    const room = this.maxLineLength - this.pending.length;
    if (text.length > room) {
      this.pending += text.slice(0, room);
      this.overlong = true;
    } else {
      this.pending += text;
    }
  }

  private emit(): void {
    const line = this.pending.endsWith('\r') ? this.pending.slice(0, -1) : this.pending;
    const truncated = this.overlong;
    this.pending = '';
    this.overlong = false;
    this.onLine(line, truncated);
  }
}

/** Keeps the last `maxLines` lines, each cut to `maxLineLength` characters (for error messages). */
export class LastLines {
  private readonly lines: string[] = [];

  constructor(
    private readonly maxLines: number,
    private readonly maxLineLength = 300,
  ) {}

  add(line: string): void {
    this.lines.push(line.length > this.maxLineLength ? `${line.slice(0, this.maxLineLength)}...` : line);
    if (this.lines.length > this.maxLines) this.lines.shift();
  }

  get(): string[] {
    return [...this.lines];
  }
}

/** Keeps the last `maxChars` characters of a stream, cut at a line start when possible. */
export class TailText {
  private chunks: string[] = [];
  private length = 0;

  constructor(private readonly maxChars: number) {}

  add(text: string): void {
    this.chunks.push(text);
    this.length += text.length;
    while (this.length - this.chunks[0]!.length >= this.maxChars) this.length -= this.chunks.shift()!.length;
  }

  get(): string {
    const all = this.chunks.join('');
    if (all.length <= this.maxChars) return all;
    const cut = all.slice(all.length - this.maxChars);
    const nl = cut.indexOf('\n');
    return nl === -1 ? cut : cut.slice(nl + 1);
  }

  /** The last `n` non-empty lines. */
  lastLines(n: number): string[] {
    return this.get()
      .split('\n')
      .map((l) => l.replace(/\r$/, ''))
      .filter((l) => l.trim() !== '')
      .slice(-n);
  }
}
