import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InputError,
  canonicalParams,
  createRng,
  enumerateSpace,
  isInDistribution,
  paramKey,
  parseSearchSpace,
  sampleDistribution,
  spaceSize,
  toNniSpace,
  validateParams,
  type Distribution,
  type Params,
  type SearchSpace,
} from '@swarmtune/core';

function parseError(raw: unknown): InputError {
  try {
    parseSearchSpace(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

describe('parseSearchSpace', () => {
  it('parses all NNI types, the qlognoraml alias, step, and a JSON string; names sorted', () => {
    const raw = {
      z: { _type: 'choice', _value: [1, 'a', true] },
      a: { _type: 'randint', _value: [1, 10] },
      b: { _type: 'uniform', _value: [0, 1] },
      c: { _type: 'quniform', _value: [2, 10, 5] },
      d: { _type: 'loguniform', _value: [1e-4, 1] },
      e: { _type: 'qloguniform', _value: [1, 100, 1] },
      f: { _type: 'normal', _value: [0, 1] },
      g: { _type: 'qnormal', _value: [0, 1, 0.5] },
      h: { _type: 'lognormal', _value: [0, 1] },
      i: { _type: 'qlognoraml', _value: [0, 1, 0.1] },
      j: { _type: 'step', _value: [0.1, 0.5, 0.1] },
    };
    const space = parseSearchSpace(JSON.stringify(raw));
    expect(Object.keys(space)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'z']);
    expect(space.i).toEqual({ type: 'qlognormal', mu: 0, sigma: 1, q: 0.1 });
    expect(space.j).toEqual({ type: 'step', start: 0.1, end: 0.5, step: 0.1 });
    expect(parseSearchSpace(toNniSpace(space))).toEqual(space);
  });

  const cases: [string, unknown, string, RegExp][] = [
    ['unknown _type', { lr: { _type: 'gauss', _value: [0, 1] } }, 'searchSpace.lr._type', /unknown _type "gauss".*valid types: choice, randint/],
    ['wrong arity', { lr: { _type: 'uniform', _value: [0] } }, 'searchSpace.lr._value', /uniform expects \[low, high\].*got 1/],
    ['low > high', { lr: { _type: 'uniform', _value: [2, 1] } }, 'searchSpace.lr._value', /low \(2\) must be <= high \(1\)/],
    ['randint low >= high', { n: { _type: 'randint', _value: [3, 3] } }, 'searchSpace.n._value', /low \(3\) must be < high \(3\)/],
    ['randint non-integer', { n: { _type: 'randint', _value: [0, 2.5] } }, 'searchSpace.n._value', /high must be an integer/],
    ['log bound <= 0', { lr: { _type: 'loguniform', _value: [0, 1] } }, 'searchSpace.lr._value', /low must be > 0 for a log scale/],
    ['q <= 0', { lr: { _type: 'quniform', _value: [0, 1, 0] } }, 'searchSpace.lr._value', /q must be > 0/],
    ['sigma <= 0', { w: { _type: 'normal', _value: [0, -1] } }, 'searchSpace.w._value', /sigma must be > 0/],
    ['step <= 0', { s: { _type: 'step', _value: [0, 1, 0] } }, 'searchSpace.s._value', /step must be > 0/],
    ['empty choice', { c: { _type: 'choice', _value: [] } }, 'searchSpace.c._value', /at least one value/],
    ['non-finite', { lr: { _type: 'uniform', _value: [0, Infinity] } }, 'searchSpace.lr._value', /high must be a finite number/],
    ['non-number', { lr: { _type: 'uniform', _value: ['0', 1] } }, 'searchSpace.lr._value', /low must be a finite number/],
    ['duplicate choice', { c: { _type: 'choice', _value: [1, 2, 1.0] } }, 'searchSpace.c._value[2]', /duplicate choice value 1/],
    ['nested choice', { c: { _type: 'choice', _value: [{ a: 1 }] } }, 'searchSpace.c._value[0]', /nested search spaces/],
    ['missing _value', { c: { _type: 'choice' } }, 'searchSpace.c._value', /_value must be an array/],
    ['extra key', { c: { _type: 'choice', _value: [1], x: 1 } }, 'searchSpace.c', /Unrecognized key/],
    ['not an entry', { c: 5 }, 'searchSpace.c', /expected \{"_type"/],
  ];
  it.each(cases)('%s -> InputError naming the parameter and field', (_label, raw, where, message) => {
    const err = parseError(raw);
    expect(err.where).toBe(where);
    expect(err.message).toContain(where);
    expect(err.problem).toMatch(message);
  });

  it('rejects bad JSON text and non-objects', () => {
    expect(parseError('{"a":').where).toBe('searchSpace');
    expect(parseError([1]).problem).toMatch(/expected an object/);
  });

  it('"1" and 1 are different choices, 1 and 1.0 the same', () => {
    expect(parseSearchSpace({ c: { _type: 'choice', _value: ['1', 1] } }).c).toEqual({ type: 'choice', values: ['1', 1] });
  });
});

describe('enumerateSpace / spaceSize', () => {
  const values = (d: Distribution) => [...enumerateSpace({ p: d })].map((p) => p.p);
  it('follows the NNI value sets', () => {
    expect(values({ type: 'quniform', low: 2, high: 10, q: 5 })).toEqual([2, 5, 10]);
    expect(values({ type: 'quniform', low: 0, high: 10, q: 2.5 })).toEqual([0, 2.5, 5, 7.5, 10]);
    // 10 / 4 = 2.5 rounds (half to even, as numpy) to 2: clip(round(x / q) * q) never gives 10 here.
    expect(values({ type: 'qloguniform', low: 1, high: 10, q: 4 })).toEqual([1, 4, 8]);
    expect(values({ type: 'quniform', low: 2, high: 12, q: 5 })).toEqual([2, 5, 10]);
    expect(values({ type: 'randint', low: 1, high: 4 })).toEqual([1, 2, 3]);
    expect(values({ type: 'step', start: 0.1, end: 0.5, step: 0.1 })).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(values({ type: 'step', start: 0, end: 1, step: 0.3 })).toEqual([0, 0.3, 0.6, 0.9]);
    expect(values({ type: 'step', start: 2, end: 10, step: 4 })).toEqual([2, 6, 10]);
    expect(values({ type: 'choice', values: ['b', 'a', 3] })).toEqual(['b', 'a', 3]);
  });

  it('orders configurations with the first (sorted) parameter slowest', () => {
    const space = parseSearchSpace({
      b: { _type: 'randint', _value: [0, 3] },
      a: { _type: 'choice', _value: ['x', 'y'] },
    });
    expect(spaceSize(space)).toBe(6);
    expect([...enumerateSpace(space)]).toEqual([
      { a: 'x', b: 0 }, { a: 'x', b: 1 }, { a: 'x', b: 2 },
      { a: 'y', b: 0 }, { a: 'y', b: 1 }, { a: 'y', b: 2 },
    ]);
  });

  it('sizes: continuous and normal families are infinite, empty space has one configuration', () => {
    expect(spaceSize({})).toBe(1);
    expect([...enumerateSpace({})]).toEqual([{}]);
    expect(spaceSize({ a: { type: 'randint', low: 0, high: 1e9 }, b: { type: 'quniform', low: 0, high: 1, q: 0.1 } })).toBe(1.1e10);
    for (const d of [
      { type: 'uniform', low: 0, high: 1 },
      { type: 'qnormal', mu: 0, sigma: 1, q: 1 },
      { type: 'loguniform', low: 1, high: 2 },
    ] as Distribution[]) {
      expect(spaceSize({ a: d })).toBe(Infinity);
      expect(() => [...enumerateSpace({ a: d })]).toThrow(/a has infinitely many values/);
    }
  });
});

// ---------- property tests ----------

const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const positive = (min: number, max: number) => finite(min, max).filter((x) => x > 0);

const distributionArb: fc.Arbitrary<Distribution> = fc.oneof(
  fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom('a', 'b', '1'), fc.boolean()), { minLength: 1, maxLength: 5 })
    .map((values) => [...new Map(values.map((v) => [`${typeof v}:${v}`, v])).values()])
    .map((values): Distribution => ({ type: 'choice', values })),
  fc.tuple(fc.integer({ min: -100, max: 100 }), fc.integer({ min: 1, max: 50 })).map(([low, n]): Distribution => ({ type: 'randint', low, high: low + n })),
  fc.tuple(finite(-1e3, 1e3), finite(0, 1e3)).map(([low, w]): Distribution => ({ type: 'uniform', low, high: low + w })),
  fc.tuple(finite(-1e3, 1e3), finite(0, 1e3), positive(1e-3, 100)).map(([low, w, q]): Distribution => ({ type: 'quniform', low, high: low + w, q })),
  fc.tuple(positive(1e-4, 10), finite(1, 1e4)).map(([low, f]): Distribution => ({ type: 'loguniform', low, high: low * f })),
  fc.tuple(positive(1e-2, 10), finite(1, 1e3), positive(1e-2, 10)).map(([low, f, q]): Distribution => ({ type: 'qloguniform', low, high: low * f, q })),
  fc.tuple(finite(-100, 100), positive(1e-3, 100)).map(([mu, sigma]): Distribution => ({ type: 'normal', mu, sigma })),
  fc.tuple(finite(-100, 100), positive(1e-3, 100), positive(1e-2, 10)).map(([mu, sigma, q]): Distribution => ({ type: 'qnormal', mu, sigma, q })),
  fc.tuple(finite(-3, 3), positive(1e-3, 2)).map(([mu, sigma]): Distribution => ({ type: 'lognormal', mu, sigma })),
  fc.tuple(finite(-3, 3), positive(1e-3, 2), positive(1e-2, 10)).map(([mu, sigma, q]): Distribution => ({ type: 'qlognormal', mu, sigma, q })),
  fc.tuple(finite(-10, 10), finite(0, 20), fc.constantFrom(0.1, 0.25, 0.3, 1, 2.5, 3)).map(([start, w, step]): Distribution => ({ type: 'step', start, end: start + w, step })),
);

const r12 = (x: number) => Number(x.toPrecision(12));
const onGrid = (x: number, q: number, offset = 0) => {
  const k = (x - offset) / q;
  return Math.abs(k - Math.round(k)) < 1e-6;
};

function checkInside(d: Distribution, v: unknown): void {
  expect(isInDistribution(d, v)).toBe(true);
  if (d.type === 'choice') {
    expect(d.values).toContain(v);
    return;
  }
  expect(typeof v).toBe('number');
  const x = v as number;
  expect(Number.isFinite(x)).toBe(true);
  switch (d.type) {
    case 'randint':
      expect(Number.isInteger(x) && x >= d.low && x < d.high).toBe(true);
      break;
    case 'uniform':
    case 'loguniform':
      expect(x >= r12(d.low) && x <= r12(d.high)).toBe(true);
      break;
    case 'quniform':
    case 'qloguniform':
      expect(x >= r12(d.low) && x <= r12(d.high)).toBe(true);
      expect(onGrid(x, d.q) || x === r12(d.low) || x === r12(d.high)).toBe(true);
      break;
    case 'qnormal':
      expect(onGrid(x, d.q)).toBe(true);
      break;
    case 'lognormal':
      expect(x).toBeGreaterThan(0);
      break;
    case 'qlognormal':
      expect(x >= 0 && onGrid(x, d.q)).toBe(true);
      break;
    case 'step':
      expect(x >= r12(d.start) && x <= d.end + 1e-9 * Math.max(1, Math.abs(d.end))).toBe(true);
      expect(onGrid(x, d.step, d.start)).toBe(true);
      if (Number.isInteger(d.start) && Number.isInteger(d.step)) expect(Number.isInteger(x)).toBe(true);
      break;
    case 'normal':
      break;
  }
}

describe('properties', () => {
  it('sampleDistribution stays inside the bounds and on the q/step grid, for every _type', () => {
    fc.assert(
      fc.property(distributionArb, fc.integer(), (d, seed) => {
        const rng = createRng(seed);
        for (let i = 0; i < 20; i++) checkInside(d, sampleDistribution(d, rng));
      }),
      { numRuns: 400 },
    );
  });

  const spaceArb = fc.dictionary(fc.constantFrom('a', 'b', 'lr', 'x1', '10'), distributionArb, { minKeys: 1 });
  const rawValueArb = (d: Distribution, rng: () => number): unknown => {
    if (d.type === 'choice') return d.values[Math.floor(rng() * d.values.length)];
    return (rng() - 0.5) * 2000;
  };
  const paramsFor = (space: SearchSpace, seed: number): Params => {
    const rng = createRng(seed);
    const params: Params = {};
    for (const [name, d] of Object.entries(space)) {
      let v = rawValueArb(d, () => rng.next()) as number;
      if (d.type === 'lognormal' || d.type === 'qlognormal') v = Math.abs(v);
      params[name] = v;
    }
    return params;
  };

  it('canonicalParams is idempotent and yields values inside the distribution', () => {
    fc.assert(
      fc.property(spaceArb, fc.integer(), (space, seed) => {
        const once = canonicalParams(space, paramsFor(space, seed));
        expect(canonicalParams(space, once)).toEqual(once);
        for (const [name, v] of Object.entries(once)) {
          if (space[name]!.type !== 'normal') checkInside(space[name]!, v);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('paramKey is equal for equal configurations up to float noise and key order', () => {
    fc.assert(
      fc.property(spaceArb, fc.integer(), fc.constantFrom(1 + 1e-15, 1 - 1e-15, 1), (space, seed, noise) => {
        const canonical = canonicalParams(space, paramsFor(space, seed));
        const noisy: Params = {};
        for (const name of Object.keys(canonical).reverse()) {
          const v = canonical[name]!;
          noisy[name] = typeof v === 'number' ? v * noise : v;
        }
        expect(paramKey(space, noisy)).toBe(paramKey(space, canonical));
      }),
      { numRuns: 300 },
    );
  });

  it('paramKey differs exactly when the canonical configurations differ', () => {
    fc.assert(
      fc.property(spaceArb, fc.integer(), fc.integer(), (space, s1, s2) => {
        const a = canonicalParams(space, paramsFor(space, s1));
        const b = canonicalParams(space, paramsFor(space, s2));
        const equal = Object.keys(space).every((n) => Object.is(a[n], b[n]) || a[n] === b[n]);
        expect(paramKey(space, a) === paramKey(space, b)).toBe(equal);
      }),
      { numRuns: 300 },
    );
  });

  it('paramKey distinguishes "1" from 1 and treats 1 and 1.0 (and 0.1+0.2 and 0.3) as equal', () => {
    const space = parseSearchSpace({
      c: { _type: 'choice', _value: ['1', 1] },
      u: { _type: 'uniform', _value: [0, 1] },
    });
    expect(paramKey(space, { c: '1', u: 0.3 })).not.toBe(paramKey(space, { c: 1, u: 0.3 }));
    expect(paramKey(space, { u: 0.1 + 0.2, c: 1.0 })).toBe(paramKey(space, { c: 1, u: 0.3 }));
    expect(paramKey(space, { c: 1, u: 0.3 })).toBe('{"c":1,"u":0.3}');
  });
});

describe('validateParams', () => {
  const space = parseSearchSpace({
    c: { _type: 'choice', _value: ['adam', 'sgd'] },
    n: { _type: 'randint', _value: [1, 5] },
    q: { _type: 'quniform', _value: [0, 1, 0.25] },
  });
  it('accepts in-range on-grid params and canonicalises them', () => {
    expect(validateParams(space, { q: 0.1 + 0.15, n: 4, c: 'sgd' }, 'enqueue')).toEqual({ c: 'sgd', n: 4, q: 0.25 });
  });
  it.each([
    [{ c: 'adam', n: 5, q: 0 }, 'enqueue.n', /not a value of randint \[1, 5\)/],
    [{ c: 'adam', n: 1, q: 0.3 }, 'enqueue.q', /nearest valid value: 0.25/],
    [{ c: 'rmsprop', n: 1, q: 0 }, 'enqueue.c', /not a valid choice/],
    [{ c: 'adam', n: '1', q: 0 }, 'enqueue.n', /not a valid randint/],
    [{ c: 'adam', q: 0 }, 'enqueue.n', /missing/],
    [{ c: 'adam', n: 1, q: 0, extra: 1 }, 'enqueue.extra', /not a parameter/],
  ])('%j -> %s', (params, where, message) => {
    try {
      validateParams(space, params, 'enqueue');
      throw new Error('expected an InputError');
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).where).toBe(where);
      expect((err as InputError).problem).toMatch(message);
    }
  });
});

describe('createRng', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const seq = (seed: number | string) => {
      const rng = createRng(seed);
      return [rng.next(), rng.normal(), rng.int(0, 100), rng.next()];
    };
    expect(seq(42)).toEqual(seq(42));
    expect(seq('study:1')).toEqual(seq('study:1'));
    expect(seq(42)).not.toEqual(seq(43));
    expect(seq(1)).not.toEqual(seq('1'));
  });
  it('has a plausible uniform and normal distribution', () => {
    const rng = createRng(7);
    let sum = 0;
    let sumSq = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      expect(u >= 0 && u < 1).toBe(true);
      const z = rng.normal();
      sum += z;
      sumSq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.05);
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.05);
  });
});
