import { InputError } from '@swarmtune/core';

export interface MasterAddress {
  host: string;
  port: number;
}

/** A parsed store URL. `password` is kept out of `displayUrl` and must never be logged. */
export interface RedisTarget {
  /** `redis`: one server; `keydb`: several active-replica masters (one server is allowed too). */
  kind: 'redis' | 'keydb';
  masters: MasterAddress[];
  db: number;
  tls: boolean;
  username?: string;
  password?: string;
  /** From `?prefix=`; undefined when the URL does not set it. */
  prefix?: string;
  /** The URL with the password replaced by `***`. */
  displayUrl: string;
}

const SCHEMES: Record<string, { kind: 'redis' | 'keydb'; tls: boolean }> = {
  redis: { kind: 'redis', tls: false },
  rediss: { kind: 'redis', tls: true },
  keydb: { kind: 'keydb', tls: false },
  keydbs: { kind: 'keydb', tls: true },
};

const PREFIX_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Replaces whatever sits between the last `:` of the user info and the `@` by `***`. */
export function maskPassword(url: string): string {
  const start = url.indexOf('://');
  if (start < 0) return url;
  const rest = url.slice(start + 3);
  const at = rest.lastIndexOf('@');
  if (at < 0) return url;
  const userInfo = rest.slice(0, at);
  const colon = userInfo.indexOf(':');
  const user = colon < 0 ? '' : userInfo.slice(0, colon);
  return `${url.slice(0, start + 3)}${user}:***${rest.slice(at)}`;
}

function fail(url: string, problem: string): never {
  throw new InputError('store', `${problem} (in ${maskPassword(url)})`);
}

function parseHost(url: string, text: string): MasterAddress {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d*))?$/.exec(text);
  if (!match) fail(url, `"${text}" is not a host[:port]`);
  const host = match[1]!.replace(/^\[|\]$/g, '');
  const portText = match[2];
  if (portText === undefined || portText === '') return { host, port: 6379 };
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(url, `port "${portText}" is not in 1..65535`);
  return { host, port };
}

function decode(url: string, text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    fail(url, `the ${what} is not valid percent-encoding`);
  }
}

/**
 * `redis://[user][:pass@]host:port[/db]`, `rediss://` (TLS), `keydb://[:pass@]host1:port,host2:port[/db]`
 * (several masters; `keydbs://` with TLS). `?prefix=NAME` sets the key prefix. A password with `@`, `/`, `?`, `#`
 * or `,` must be percent-encoded.
 */
export function parseRedisUrl(url: string): RedisTarget {
  if (typeof url !== 'string' || url.trim() === '') fail(String(url), 'the store URL is empty');
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.*)$/s.exec(url.trim());
  if (!schemeMatch) fail(url, 'expected redis://host:port/db, rediss://... or keydb://host1:port,host2:port');
  const scheme = SCHEMES[schemeMatch[1]!.toLowerCase()];
  if (!scheme) fail(url, `unknown scheme "${schemeMatch[1]}:" (expected redis, rediss, keydb or keydbs)`);
  let rest = schemeMatch[2]!;

  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  if (rest.includes('#')) fail(url, 'a fragment (#...) is not allowed');

  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userInfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userInfo.indexOf(':');
    if (colon < 0) {
      // `redis://secret@host` is a common shorthand for a password without a user name.
      if (userInfo !== '') password = decode(url, userInfo, 'password');
    } else {
      const user = userInfo.slice(0, colon);
      if (user !== '') username = decode(url, user, 'user name');
      const pass = userInfo.slice(colon + 1);
      if (pass !== '') password = decode(url, pass, 'password');
    }
  }

  const slash = rest.indexOf('/');
  const hostsText = slash >= 0 ? rest.slice(0, slash) : rest;
  const dbText = slash >= 0 ? rest.slice(slash + 1) : '';
  if (hostsText === '') fail(url, 'no host given');
  const masters = hostsText.split(',').map((h) => parseHost(url, h.trim()));
  if (scheme.kind === 'redis' && masters.length > 1) {
    fail(url, `${masters.length} hosts given: use keydb://host1:port,host2:port for several masters`);
  }
  const seen = new Set<string>();
  for (const m of masters) {
    const key = `${m.host}:${m.port}`;
    if (seen.has(key)) fail(url, `master ${key} is listed twice`);
    seen.add(key);
  }

  let db = 0;
  if (dbText !== '') {
    if (!/^\d+$/.test(dbText)) fail(url, `database "${dbText}" is not a non-negative integer`);
    db = Number(dbText);
  }

  let prefix: string | undefined;
  if (query !== '') {
    for (const part of query.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      const value = eq < 0 ? '' : decode(url, part.slice(eq + 1), `value of ${name}`);
      if (name !== 'prefix') fail(url, `unknown option "${name}" (known: prefix)`);
      if (!PREFIX_PATTERN.test(value)) fail(url, `prefix "${value}" must be 1-64 characters of A-Z a-z 0-9 _ . : -`);
      prefix = value;
    }
  }

  const target: RedisTarget = {
    kind: scheme.kind,
    masters,
    db,
    tls: scheme.tls,
    displayUrl: password === undefined ? url.trim() : maskPassword(url.trim()),
  };
  if (username !== undefined) target.username = username;
  if (password !== undefined) target.password = password;
  if (prefix !== undefined) target.prefix = prefix;
  return target;
}

export function checkPrefix(prefix: string): string {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new InputError('store', `prefix "${prefix}" must be 1-64 characters of A-Z a-z 0-9 _ . : -`);
  }
  return prefix;
}

export function addressOf(m: MasterAddress): string {
  return m.host.includes(':') ? `[${m.host}]:${m.port}` : `${m.host}:${m.port}`;
}
