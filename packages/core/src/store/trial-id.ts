import { randomFillSync } from 'node:crypto';

// Crockford base32, as in ULIDs: sorts the same as a string and as the time it encodes.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10; // 50 bits: enough for ms since epoch until the year 10889
const RANDOM_BYTES = 10; // 80 bits of randomness -> 16 chars

// One getrandom() call per 400 ids instead of one per id.
const pool = Buffer.alloc(RANDOM_BYTES * 400);
let poolOffset = pool.length;

function randomChunk(): Buffer {
  if (poolOffset + RANDOM_BYTES > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const chunk = pool.subarray(poolOffset, poolOffset + RANDOM_BYTES);
  poolOffset += RANDOM_BYTES;
  return chunk;
}

/**
 * A ULID-like trial id: 10 chars of wall-clock ms then 16 random chars (26 in all). Ids made on different hosts at
 * the same moment differ in their random part, so no central counter is needed; ids sort by creation time.
 */
export function newTrialId(timeMs: number = Date.now()): string {
  let time = '';
  let t = Math.max(0, Math.floor(timeMs));
  for (let i = 0; i < TIME_CHARS; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomChunk();
  let random = '';
  // 80 bits = 16 groups of 5 bits, taken 40 bits (5 bytes -> 8 chars) at a time.
  for (let half = 0; half < 2; half++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) bits = bits * 256 + bytes[half * 5 + i]!;
    let chars = '';
    for (let i = 0; i < 8; i++) {
      chars = ALPHABET[bits % 32] + chars;
      bits = Math.floor(bits / 32);
    }
    random += chars;
  }
  return time + random;
}
