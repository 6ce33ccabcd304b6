import { openRedisStore } from '@swarmtune/redis-store';
import { afterAll, beforeAll } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../../test/redis-harness.js';
import { describeStoreConformance } from '../../../test/store-conformance.js';

let a: RedisServerHandle;
let b: RedisServerHandle;
let opened = 0;

beforeAll(async () => {
  [a, b] = await Promise.all([startRedisServer(), startRedisServer()]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

// Every test gets an empty store: a fresh key prefix on the same servers.
describeStoreConformance('redis', async () => ({
  store: await openRedisStore(a.url, { prefix: `conf${++opened}` }),
  cleanup: async () => undefined,
}));

// Two independent redis-servers: KeyDB masters whose replication is down, the worst case for keydb://.
describeStoreConformance('keydb://a,b (no replication)', async () => ({
  store: await openRedisStore(`keydb://127.0.0.1:${a.port},127.0.0.1:${b.port}`, { prefix: `confkb${++opened}` }),
  cleanup: async () => undefined,
}));
