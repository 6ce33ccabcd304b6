import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ResultRecord, ResultsListener, ResultsSummary } from '../results-files.js';
import type { NotifyChannel, NotifyConfig, NotifyEvent } from './config.js';
import { feishuAccepted, feishuBody } from './feishu.js';

const REQUEST_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 8_000;

export interface Notification {
  event: NotifyEvent;
  study: string;
  /** One human-readable message (what a chat shows). */
  text: string;
  time: string;
  data: Record<string, unknown>;
}

function formatValues(rec: ResultRecord): string {
  const metrics = Object.entries(rec.metrics ?? {})
    .map(([k, v]) => `${k}=${Number(v.toPrecision(6))}`)
    .join(' ');
  return metrics || (rec.values ?? []).join(', ');
}

function countsText(s: ResultsSummary): string {
  return Object.entries(s.counts).map(([k, v]) => `${v} ${k}`).join(', ') || 'no trials';
}

/**
 * Sends study events to webhooks (generic JSON, Feishu bot). Delivery runs in the background, one message after
 * another per channel, retried with backoff; a failure is logged (without the URL or secret) and never stops the
 * study. `close()` waits a bounded time for what is still queued.
 */
export class Notifier implements ResultsListener {
  private readonly queues = new Map<NotifyChannel, Promise<void>>();
  private finishedSinceBeat = 0;
  private timer: NodeJS.Timeout | undefined;
  private latest: ResultsSummary | undefined;
  /** Delivered / failed counts, for the caller's summary and for tests. */
  readonly stats = { sent: 0, failed: 0 };

  constructor(
    private readonly config: NotifyConfig,
    private readonly study: string,
    private readonly logger: Logger,
  ) {
    if (config.heartbeat.everySeconds > 0) {
      this.timer = setInterval(() => this.heartbeat('timer'), config.heartbeat.everySeconds * 1000);
      this.timer.unref();
    }
  }

  start(details: Record<string, unknown> = {}): void {
    this.send('start', `swarmtune: study ${this.study} started`, details);
  }

  onRecord(rec: ResultRecord, summary: ResultsSummary): void {
    this.latest = summary;
    if (rec.state === 'FAIL' && rec.status !== 'interrupted') {
      this.send('trial_failed', `swarmtune ${this.study}: trial ${rec.trial} ${rec.status}${rec.phase ? ` in ${rec.phase}` : ''}: ${rec.error ?? ''}`, { record: rec });
    }
    if (summary.finished % this.config.trialDoneEvery === 0) {
      this.send('trial_done', `swarmtune ${this.study}: trial ${rec.trial} ${rec.status} ${formatValues(rec)}`, { record: rec });
    }
    this.finishedSinceBeat++;
    const every = this.config.heartbeat.everyTrials;
    if (every > 0 && this.finishedSinceBeat >= every) this.heartbeat('trials');
  }

  onBest(rec: ResultRecord, summary: ResultsSummary): void {
    this.latest = summary;
    this.send('best', `swarmtune ${this.study}: new best, trial ${rec.trial}: ${formatValues(rec)} with ${JSON.stringify(rec.params)}`, { record: rec });
  }

  onEnded(state: string, summary: ResultsSummary): void {
    this.latest = summary;
    const best = summary.best ? `; best trial ${summary.best.trial}: ${formatValues(summary.best)} with ${JSON.stringify(summary.best.params)}` : '';
    this.send('done', `swarmtune ${this.study}: ${state} (${countsText(summary)})${best}`, { state, summary });
  }

  private heartbeat(by: 'timer' | 'trials'): void {
    this.finishedSinceBeat = 0;
    const s = this.latest;
    this.send('heartbeat', `swarmtune ${this.study}: still running (${s ? countsText(s) : 'no trial finished yet'})`, { by, ...(s ? { summary: s } : {}) });
  }

  /** Waits up to `timeoutMs` for queued messages; stops the heartbeat timer. */
  async close(timeoutMs = 15_000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const cancel = new AbortController();
    await Promise.race([Promise.all(this.queues.values()), delay(timeoutMs, undefined, { signal: cancel.signal }).catch(() => undefined)]);
    cancel.abort();
  }

  send(event: NotifyEvent, text: string, data: Record<string, unknown> = {}): void {
    const message: Notification = { event, study: this.study, text, time: new Date().toISOString(), data };
    for (const channel of this.config.channels) {
      if (!channel.events.includes(event)) continue;
      const previous = this.queues.get(channel) ?? Promise.resolve();
      const next = previous.then(() => this.deliver(channel, message));
      this.queues.set(channel, next);
    }
  }

  private async deliver(channel: NotifyChannel, message: Notification): Promise<void> {
    const attempts = 1 + this.config.retries;
    for (let attempt = 1; ; attempt++) {
      const problem = await this.post(channel, message);
      if (problem === undefined) {
        this.stats.sent++;
        return;
      }
      const log = { channel: channel.label, event: message.event, attempt, attempts, problem };
      if (attempt >= attempts) {
        this.stats.failed++;
        this.logger.warn(log, 'notification not delivered; giving up on this message');
        return;
      }
      this.logger.warn(log, 'notification not delivered; retrying');
      await delay(Math.min(500 * 2 ** (attempt - 1), MAX_BACKOFF_MS));
    }
  }

  /** undefined when delivered; otherwise what went wrong (never the URL: it may hold a token). */
  private async post(channel: NotifyChannel, message: Notification): Promise<string | undefined> {
    const body = channel.kind === 'feishu' ? feishuBody(message.text, channel.secret) : message;
    try {
      const res = await fetch(channel.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await res.text();
      if (!res.ok) return `HTTP ${res.status}`;
      if (channel.kind === 'feishu') {
        const verdict = feishuAccepted(text);
        if (!verdict.ok) return verdict.problem;
      }
      return undefined;
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      return cause ?? (err as Error).name ?? 'request failed';
    }
  }
}
