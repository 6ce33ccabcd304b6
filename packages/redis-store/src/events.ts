import { randomBytes } from 'node:crypto';
import type { StudyEvent } from '@swarmtune/core';
import type { Master } from './connection.js';

type Listener = (event: StudyEvent) => void;

/** What goes over the channel: the event plus an id, so that copies from several masters are delivered once. */
interface Envelope {
  id: string;
  event: StudyEvent;
}

export function encodeEvent(event: StudyEvent): string {
  const envelope: Envelope = { id: randomBytes(8).toString('hex'), event };
  return JSON.stringify(envelope);
}

/**
 * Pub/sub for study events on every master (a KeyDB master may also forward what another one published, and a
 * publisher reaches only the masters it can): each listener gets each event once.
 */
export class EventHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly seen: string[] = [];
  private readonly wired = new Set<Master>();

  constructor(private readonly masters: readonly Master[]) {}

  async subscribe(channel: string, listener: Listener): Promise<() => Promise<void>> {
    let set = this.listeners.get(channel);
    const first = !set;
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
    }
    set.add(listener);
    if (first) {
      const subscribing = this.masters.map((m) => {
        const done = this.connection(m).subscribe(channel);
        // A master that is away subscribes when it comes back (queued); do not wait for it.
        return m.ready ? done.then(() => undefined) : (done.catch(() => undefined), Promise.resolve());
      });
      await Promise.all(subscribing);
    }
    return async () => {
      const current = this.listeners.get(channel);
      if (!current?.delete(listener) || current.size > 0) return;
      this.listeners.delete(channel);
      await Promise.all(this.masters.map((m) => this.connection(m).unsubscribe(channel).catch(() => undefined)));
    };
  }

  private connection(master: Master) {
    const sub = master.subscriberConnection();
    if (!this.wired.has(master)) {
      this.wired.add(master);
      sub.on('message', (channel: string, message: string) => this.deliver(channel, message));
    }
    return sub;
  }

  private deliver(channel: string, message: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      return;
    }
    if (typeof envelope?.id !== 'string' || envelope.event?.type !== 'stop') return;
    if (this.seen.includes(envelope.id)) return;
    this.seen.push(envelope.id);
    if (this.seen.length > 200) this.seen.shift();
    for (const listener of this.listeners.get(channel) ?? []) listener(envelope.event);
  }
}
