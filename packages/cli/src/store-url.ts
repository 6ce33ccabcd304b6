import { readFileSync } from 'node:fs';
import { InputError, openEmbeddedStore, type Store } from '@swarmtune/core';
import { openRedisStore } from '@swarmtune/redis-store';

export function defaultStoreUrl(): string {
  return process.env.SWARMTUNE_STORE || 'file:.swarmtune/studies.jsonl';
}

/** Opens the store a URL names: memory:, file:PATH (embedded), redis://, rediss://, keydb://a,b (shared). */
export async function openStore(url: string, where = '--store'): Promise<Store> {
  if (/^(memory|file):/.test(url)) return openEmbeddedStore(url);
  if (/^(redis|rediss|keydb|keydbs):\/\//.test(url)) return openRedisStore(withPasswordFile(url));
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new InputError(
    where,
    `${scheme ? `unknown store scheme "${scheme}:"` : 'not a store URL'}; use memory:, file:PATH, redis://host:port/db, rediss://host:port/db, keydb://host1:port,host2:port or keydbs://...`,
  );
}

/**
 * SWARMTUNE_STORE_PASSWORD_FILE (e.g. a Docker secret under /run/secrets) supplies the password of a redis:// or
 * keydb:// URL that has none, so the password never sits in the URL, the environment or the service spec.
 * A password written in the URL wins. Trailing newlines of the file are dropped.
 */
export function withPasswordFile(url: string, env: NodeJS.ProcessEnv = process.env): string {
  const file = env.SWARMTUNE_STORE_PASSWORD_FILE;
  const match = /^([a-z]+:\/\/)(.*)$/is.exec(url);
  if (!file || !match) return url;
  const [, scheme, rest] = match as unknown as [string, string, string];
  if (/^[^/?#]*@/.test(rest)) return url;
  let password: string;
  try {
    password = readFileSync(file, 'utf8').replace(/[\r\n]+$/, '');
  } catch (err) {
    throw new InputError('SWARMTUNE_STORE_PASSWORD_FILE', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (password === '') throw new InputError('SWARMTUNE_STORE_PASSWORD_FILE', `${file} is empty`);
  return `${scheme}:${encodeURIComponent(password)}@${rest}`;
}
