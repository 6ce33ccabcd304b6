import { Redis, ReplyError } from 'ioredis';
import { StoreError } from '@swarmtune/core';
import { defineScripts } from './commands.js';
import type { MasterAddress, RedisTarget } from './url.js';
import { addressOf } from './url.js';

export interface Logger {
  warn(obj: object, msg: string): void;
}

/** One server of the store: a redis-server, or one KeyDB master of several. */
export class Master {
  private subscriber: Redis | undefined;

  constructor(
    /** Position in the canonical (address-sorted) order: the same on every worker, whatever the URL's order. */
    readonly index: number,
    readonly address: string,
    readonly client: Redis,
  ) {}

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** A second connection for pub/sub (a subscribed connection cannot run other commands). */
  subscriberConnection(): Redis {
    if (!this.subscriber) {
      this.subscriber = this.client.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
      this.subscriber.on('error', () => undefined);
    }
    return this.subscriber;
  }

  close(): void {
    this.client.disconnect();
    this.subscriber?.disconnect();
  }
}

/** Errors that say "the server could not be reached", as opposed to an answer from it. */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof ReplyError) return /^(LOADING|BUSY|TRYAGAIN|MASTERDOWN)/.test((err as Error).message);
  return err instanceof Error;
}

function isAuthError(message: string): boolean {
  return /NOAUTH|WRONGPASS|invalid password|invalid username-password/i.test(message);
}

function newClient(target: RedisTarget, m: MasterAddress, connectTimeoutMs: number): Redis {
  return new Redis({
    host: m.host,
    port: m.port,
    db: target.db,
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    ...(target.tls ? { tls: { servername: m.host } } : {}),
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    // Fail fast instead of queueing: the store decides what to do when a master is away (skip it or retry).
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
  });
}

export interface ConnectResult {
  master: Master;
  /** Set when the master could not be reached at open; it keeps reconnecting in the background. */
  problem?: string;
}

/**
 * Connects to one master. A wrong or missing password is a StoreError at once (nothing a retry fixes); an
 * unreachable master is reported in `problem` and left reconnecting. Messages name the address, never the password.
 */
export async function connectMaster(
  target: RedisTarget,
  m: MasterAddress,
  index: number,
  connectTimeoutMs: number,
  logger: Logger | undefined,
): Promise<ConnectResult> {
  const address = addressOf(m);
  const client = newClient(target, m, connectTimeoutMs);
  defineScripts(client);
  const errors: string[] = [];
  let wasReady = false;
  client.on('error', (err: Error) => {
    errors.push(err.message);
    if (errors.length > 10) errors.shift();
  });
  client.on('ready', () => {
    if (wasReady) logger?.warn({ store: target.displayUrl, master: address }, 'store master reconnected');
    wasReady = true;
  });
  client.on('close', () => {
    if (wasReady) logger?.warn({ store: target.displayUrl, master: address }, 'store master connection lost');
  });
  const master = new Master(index, address, client);
  try {
    await withDeadline(client.connect(), connectTimeoutMs + 500);
    return { master };
  } catch {
    const why = errors.find(isAuthError) ?? errors[errors.length - 1] ?? 'no answer';
    if (isAuthError(why)) {
      client.disconnect();
      const hint = target.password === undefined ? 'a password is required' : 'the password was refused';
      throw new StoreError(
        `store ${target.displayUrl}: authentication failed at ${address} (${hint}: ${firstWord(why)})`,
      );
    }
    return { master, problem: `cannot connect to ${address}: ${why}` };
  }
}

function firstWord(message: string): string {
  return message.split(' ')[0] ?? message;
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
