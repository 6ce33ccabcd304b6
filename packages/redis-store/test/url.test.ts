import { InputError } from '@swarmtune/core';
import { maskPassword, parseRedisUrl } from '@swarmtune/redis-store';
import { describe, expect, it } from 'vitest';

describe('parseRedisUrl', () => {
  it('reads a plain redis URL with defaults', () => {
    const t = parseRedisUrl('redis://127.0.0.1:7001');
    expect(t).toMatchObject({ kind: 'redis', tls: false, db: 0, masters: [{ host: '127.0.0.1', port: 7001 }] });
    expect(t.password).toBeUndefined();
    expect(t.prefix).toBeUndefined();
    expect(parseRedisUrl('redis://cache').masters).toEqual([{ host: 'cache', port: 6379 }]);
  });

  it('reads password, db, TLS and prefix, and masks the password', () => {
    const t = parseRedisUrl('rediss://:s3cr%40t@redis.example:6380/2?prefix=team-a');
    expect(t).toMatchObject({ kind: 'redis', tls: true, db: 2, password: 's3cr@t', prefix: 'team-a' });
    expect(t.displayUrl).toBe('rediss://:***@redis.example:6380/2?prefix=team-a');
    expect(t.displayUrl).not.toContain('s3cr');
    const u = parseRedisUrl('redis://admin:pw@h:1/0');
    expect(u).toMatchObject({ username: 'admin', password: 'pw' });
    expect(u.displayUrl).toBe('redis://admin:***@h:1/0');
  });

  it('reads several KeyDB masters', () => {
    const t = parseRedisUrl('keydb://:pw@a:7001,b:7002/1');
    expect(t.kind).toBe('keydb');
    expect(t.masters).toEqual([
      { host: 'a', port: 7001 },
      { host: 'b', port: 7002 },
    ]);
    expect(t.db).toBe(1);
    expect(t.displayUrl).toBe('keydb://:***@a:7001,b:7002/1');
    expect(parseRedisUrl('keydb://[::1]:7001,a').masters).toEqual([
      { host: '::1', port: 7001 },
      { host: 'a', port: 6379 },
    ]);
  });

  it.each([
    ['', 'empty'],
    ['http://h:1', 'unknown scheme'],
    ['redis://', 'no host'],
    ['redis://h:0', 'port "0"'],
    ['redis://h:99999', 'port "99999"'],
    ['redis://h:abc', 'not a host[:port]'],
    ['redis://a:1,b:2', 'use keydb://'],
    ['keydb://a:1,a:1', 'listed twice'],
    ['redis://h:1/x', 'database "x"'],
    ['redis://h:1?prefix=has space', 'prefix'],
    ['redis://h:1?timeout=3', 'unknown option "timeout"'],
  ])('rejects %j with one InputError naming the store', (url, problem) => {
    let error: unknown;
    try {
      parseRedisUrl(url);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).where).toBe('store');
    expect((error as InputError).message).toContain(problem);
  });

  it('never puts the password into an error message', () => {
    expect(() => parseRedisUrl('redis://:hunter2@h:notaport')).toThrow(InputError);
    try {
      parseRedisUrl('redis://:hunter2@h:notaport');
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
      expect((err as Error).message).toContain(':***@');
    }
  });

  it('maskPassword leaves URLs without a password alone', () => {
    expect(maskPassword('redis://h:1/0')).toBe('redis://h:1/0');
    expect(maskPassword('redis://u:p@h:1')).toBe('redis://u:***@h:1');
  });
});
