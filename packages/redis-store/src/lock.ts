import { randomBytes } from 'node:crypto';
import { StoreError } from '@swarmtune/core';
import { runScript } from './commands.js';
import { isConnectionError, type Master } from './connection.js';
import type { Keys } from './keys.js';

export interface LockOptions {
  /** How long a lock lives if its holder dies without releasing it. */
  ttlMs: number;
  /** How long to wait for a lock held by others before giving up (transient StoreError). */
  waitMs: number;
}

export interface HeldLock {
  /** The masters on which the lock is held: the ones the critical section reads and writes. */
  masters: Master[];
  release(): Promise<void>;
}

/**
 * The per-study lock of a multi-master store. Master i holds the key `<prefix>:lock:<study>:<i>`, which is written on
 * no other master, so KeyDB's replication (which drops NX) never races on it. It is taken master by master in the
 * canonical order (sorted addresses, the same on every worker): a total order, so two workers never wait on each other
 * in a circle. A master that does not answer is skipped; at least ceil(n/2) masters must be held (one of two).
 * See README "Multi-master" for what this does and does not guarantee.
 */
export async function acquireStudyLock(
  masters: readonly Master[],
  keys: Keys,
  study: string,
  options: LockOptions,
): Promise<HeldLock> {
  const token = randomBytes(12).toString('hex');
  const deadline = Date.now() + options.waitMs;
  const held: Master[] = [];
  const release = async (): Promise<void> => {
    await Promise.all(
      held.map((m) => runScript(m.client, 'releaseLock', [keys.lock(study, m.index)], [token]).catch(() => undefined)),
    );
  };
  const quorum = Math.ceil(masters.length / 2);
  for (const master of masters) {
    let wait = 1;
    for (;;) {
      if (!master.ready) break;
      let got: unknown;
      try {
        got = await master.client.set(keys.lock(study, master.index), token, 'PX', options.ttlMs, 'NX');
      } catch (err) {
        if (isConnectionError(err)) break;
        await release();
        throw err;
      }
      if (got === 'OK') {
        held.push(master);
        break;
      }
      if (Date.now() > deadline) {
        await release();
        throw new StoreError(`study "${study}": lock still held by another worker after ${options.waitMs} ms`, true);
      }
      await sleep(wait + Math.random() * wait);
      wait = Math.min(wait * 2, 20);
    }
  }
  if (held.length < quorum) {
    await release();
    throw new StoreError(
      `study "${study}": only ${held.length} of ${masters.length} masters reachable for the lock (need ${quorum})`,
      true,
    );
  }
  return { masters: held, release };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
