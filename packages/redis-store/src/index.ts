export { openRedisStore, type RedisStoreOptions } from './open.js';
export { parseRedisUrl, maskPassword, type RedisTarget, type MasterAddress } from './url.js';
export type { Logger } from './connection.js';
