import { InputError, StoreError, STORE_FORMAT_VERSION, type Store } from '@swarmtune/core';
import { connectMaster, type ConnectResult, type Logger, type Master } from './connection.js';
import { Keys } from './keys.js';
import { RedisStore } from './redis-store.js';
import { addressOf, checkPrefix, parseRedisUrl } from './url.js';

export interface RedisStoreOptions {
  /** Key prefix of this deployment (default `swarmtune`); `?prefix=` in the URL takes precedence. */
  prefix?: string;
  connectTimeoutMs?: number;
  logger?: Logger;
  /** How long a call waits while the store is unreachable before it throws StoreError(transient). Default 20 s. */
  operationTimeoutMs?: number;
  /** Multi-master lock: time to live (default 10 s) and how long to wait for it (default 15 s). */
  lockTtlMs?: number;
  lockWaitMs?: number;
  /**
   * Each study's change stream (read by readChanges) is trimmed to about max(this, 2 x its trials) entries
   * (default 10,000). A reader that falls further behind gets the whole study once instead of the changes.
   */
  changeStreamMinLength?: number;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new InputError(`store option ${name}`, `must be > 0 ms, got ${value}`);
  }
  return value;
}

function count(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new InputError(`store option ${name}`, `must be an integer >= 1, got ${value}`);
  }
  return value;
}

/**
 * Opens the store at `redis://`, `rediss://` or `keydb://a,b` (several masters). Fails with StoreError when no
 * server answers, a password is wrong or missing, or the store was written by a newer version of swarmtune.
 */
export async function openRedisStore(url: string, options: RedisStoreOptions = {}): Promise<Store> {
  const target = parseRedisUrl(url);
  const prefix = checkPrefix(target.prefix ?? options.prefix ?? 'swarmtune');
  const connectTimeoutMs = positive(options.connectTimeoutMs, 5000, 'connectTimeoutMs');
  const timings = {
    operationTimeoutMs: positive(options.operationTimeoutMs, 20_000, 'operationTimeoutMs'),
    lockTtlMs: positive(options.lockTtlMs, 10_000, 'lockTtlMs'),
    lockWaitMs: positive(options.lockWaitMs, 15_000, 'lockWaitMs'),
    changeStreamMinLength: count(options.changeStreamMinLength, 10_000, 'changeStreamMinLength'),
  };
  const addresses = [...target.masters].sort((a, b) => addressOf(a).localeCompare(addressOf(b)));

  const settled = await Promise.allSettled(
    addresses.map((m, i) => connectMaster(target, m, i, connectTimeoutMs, options.logger)),
  );
  const results = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const closeAll = () => results.forEach((r) => r.master.close());
  const refused = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (refused) {
    closeAll();
    throw refused.reason instanceof StoreError
      ? refused.reason
      : new StoreError(`store ${target.displayUrl}: ${String(refused.reason)}`);
  }
  const up = results.filter((r) => r.problem === undefined);
  const down = results.filter((r): r is Required<ConnectResult> => r.problem !== undefined);
  if (up.length === 0) {
    closeAll();
    throw new StoreError(`store ${target.displayUrl}: ${down.map((d) => d.problem).join('; ')}`, true);
  }
  for (const d of down) {
    const where = { store: target.displayUrl, master: d.master.address };
    options.logger?.warn(where, `store master away at open: ${d.problem}`);
  }

  const keys = new Keys(prefix);
  const masters = results.map((r) => r.master);
  try {
    await checkFormat(up.map((r) => r.master), keys, target.displayUrl);
  } catch (err) {
    closeAll();
    throw err;
  }
  return new RedisStore(target.displayUrl, keys, masters, timings, options.logger);
}

/** Refuses a store written by a newer swarmtune before writing anything; marks a fresh one with our version. */
async function checkFormat(masters: Master[], keys: Keys, displayUrl: string): Promise<void> {
  const versions = await Promise.all(masters.map((m) => m.client.get(keys.format)));
  for (const [i, text] of versions.entries()) {
    if (text === null) continue;
    const version = Number(text);
    const where = `store ${displayUrl}: key ${keys.format} on ${masters[i]!.address}`;
    if (!Number.isInteger(version) || version < 1) throw new StoreError(`${where} is "${text}", not a format version`);
    if (version > STORE_FORMAT_VERSION) {
      throw new StoreError(
        `${where} says format ${version}, newer than this swarmtune understands ` +
          `(${STORE_FORMAT_VERSION}): upgrade swarmtune`,
      );
    }
  }
  await Promise.all(masters.map((m) => m.client.set(keys.format, String(STORE_FORMAT_VERSION), 'NX')));
}
