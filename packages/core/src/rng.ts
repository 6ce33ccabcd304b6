/** A seeded source of randomness. Samplers take one so that a seeded run is reproducible. */
export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  /** standard normal */
  normal(): number;
  /** integer in [low, high) */
  int(low: number, high: number): number;
}

/** 32-bit string hash (FNV-1a), then mixed further by splitmix32 below. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32 step: turns one 32-bit state into a well-mixed stream, used only to seed sfc32. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A seeded Rng: sfc32 (Chris Doty-Humphrey's small fast counting generator, 128-bit state), seeded through a
 * string hash so that numbers and strings both work. Only 32-bit integer arithmetic, so every platform gives the
 * same sequence. `createRng(1)` and `createRng('1')` are different streams.
 */
export function createRng(seed: number | string): Rng {
  if (typeof seed === 'number' && !Number.isFinite(seed)) throw new RangeError(`rng seed must be finite, got ${seed}`);
  const text = typeof seed === 'number' ? `n:${seed}` : `s:${seed}`;
  const init = { s: hashString(text) };
  let a = splitmix32(init);
  let b = splitmix32(init);
  let c = splitmix32(init);
  let d = splitmix32(init);

  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard the first outputs: the state needs a few rounds to mix.
  for (let i = 0; i < 12; i++) nextUint32();

  // 53 random bits per double, so values like 1 - 2^-53 and tiny ones are possible.
  const next = (): number => ((nextUint32() >>> 5) * 67108864 + (nextUint32() >>> 6)) / 9007199254740992;

  let spareNormal: number | null = null;
  return {
    next,
    normal(): number {
      if (spareNormal !== null) {
        const value = spareNormal;
        spareNormal = null;
        return value;
      }
      // Box-Muller; 1 - next() is in (0, 1], so log() is finite.
      const radius = Math.sqrt(-2 * Math.log(1 - next()));
      const angle = 2 * Math.PI * next();
      spareNormal = radius * Math.sin(angle);
      return radius * Math.cos(angle);
    },
    int(low: number, high: number): number {
      if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
        throw new RangeError(`rng.int needs integers low < high, got [${low}, ${high})`);
      }
      return low + Math.floor(next() * (high - low));
    },
  };
}
