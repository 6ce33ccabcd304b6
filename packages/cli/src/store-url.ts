import { InputError, openEmbeddedStore, type Store } from '@swarmtune/core';
import { openRedisStore } from '@swarmtune/redis-store';

export function defaultStoreUrl(): string {
  return process.env.SWARMTUNE_STORE || 'file:.swarmtune/studies.jsonl';
}

/** Opens the store a URL names: memory:, file:PATH (embedded), redis://, rediss://, keydb://a,b (shared). */
export async function openStore(url: string, where = '--store'): Promise<Store> {
  if (/^(memory|file):/.test(url)) return openEmbeddedStore(url);
  if (/^(redis|rediss|keydb|keydbs):\/\//.test(url)) return openRedisStore(url);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new InputError(
    where,
    `${scheme ? `unknown store scheme "${scheme}:"` : 'not a store URL'}; use memory:, file:PATH, redis://host:port/db, rediss://host:port/db, keydb://host1:port,host2:port or keydbs://...`,
  );
}
