import { InputError } from '../errors.js';
import type { ParamValue, Params } from '../model.js';
import { latticeOf } from './lattice.js';
import { clip, gridIndex, round12 } from './numeric.js';
import { choiceKey, compareNames } from './parse.js';
import type { Distribution, SearchSpace } from './types.js';

/**
 * The canonical form of one value: rounded to its q/step grid, clipped as the distribution clips, floats to
 * 12 significant digits, integers as JS integers, choices as the choice item itself.
 * undefined when the value cannot belong to the distribution at all (wrong type, not finite, not a choice item,
 * <= 0 on a lognormal).
 */
export function canonicalValue(d: Distribution, value: unknown): ParamValue | undefined {
  if (d.type === 'choice') {
    if (typeof value !== 'number' && typeof value !== 'string' && typeof value !== 'boolean') return undefined;
    if (typeof value === 'number' && !Number.isFinite(value)) return undefined;
    const key = choiceKey(value);
    return d.values.find((item) => choiceKey(item) === key);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  const lattice = latticeOf(d);
  if (lattice) return lattice.value(lattice.indexOf(value));
  switch (d.type) {
    case 'uniform':
    case 'loguniform':
      return round12(clip(value, d.low, d.high));
    case 'normal':
      return round12(value);
    case 'lognormal':
      return value > 0 ? round12(value) : undefined;
    case 'qnormal':
      return round12(gridIndex(value, d.q) * d.q);
    case 'qlognormal':
      return value >= 0 ? round12(gridIndex(value, d.q) * d.q) : undefined;
    default:
      return undefined;
  }
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function canonicalOrThrow(d: Distribution, value: unknown, where: string): ParamValue {
  const canonical = canonicalValue(d, value);
  if (canonical === undefined) throw new InputError(where, `${describeValue(value)} is not a valid ${describeDistribution(d)}`);
  return canonical;
}

/** A short human description, e.g. `uniform [0, 1]` or `choice of ["a", "b"]`. */
export function describeDistribution(d: Distribution): string {
  switch (d.type) {
    case 'choice':
      return `choice of ${JSON.stringify(d.values)}`;
    case 'randint':
      return `randint [${d.low}, ${d.high})`;
    case 'uniform':
    case 'loguniform':
      return `${d.type} [${d.low}, ${d.high}]`;
    case 'quniform':
    case 'qloguniform':
      return `${d.type} [${d.low}, ${d.high}] q=${d.q}`;
    case 'normal':
    case 'lognormal':
      return `${d.type} mu=${d.mu} sigma=${d.sigma}`;
    case 'qnormal':
    case 'qlognormal':
      return `${d.type} mu=${d.mu} sigma=${d.sigma} q=${d.q}`;
    case 'step':
      return `step [${d.start}, ${d.end}] step=${d.step}`;
  }
}

/** Canonical params: sorted names, every value canonical (see canonicalValue). Throws InputError on a missing,
 * unknown or impossible param; out-of-range numbers are clipped (use validateParams to reject them instead). */
export function canonicalParams(space: SearchSpace, params: Params, where = 'params'): Params {
  for (const name of Object.keys(params)) {
    if (!Object.hasOwn(space, name)) throw new InputError(`${where}.${name}`, 'not a parameter of the search space');
  }
  const out: Params = {};
  for (const name of Object.keys(space).sort(compareNames)) {
    if (!Object.hasOwn(params, name)) throw new InputError(`${where}.${name}`, 'missing');
    out[name] = canonicalOrThrow(space[name]!, params[name], `${where}.${name}`);
  }
  return out;
}

/**
 * A stable string for the canonical configuration: equal exactly when the canonical params are equal
 * (1 and 1.0 equal; "1" and 1 in a choice differ). JSON of the sorted (name, value) pairs as an object.
 */
export function paramKey(space: SearchSpace, params: Params): string {
  const canonical = canonicalParams(space, params);
  const names = Object.keys(canonical).sort(compareNames);
  return `{${names.map((n) => `${JSON.stringify(n)}:${JSON.stringify(canonical[n])}`).join(',')}}`;
}

/**
 * Checks params that come from outside (enqueued by a user, suggested by an LLM): every parameter present, no
 * unknown ones, each value of the right type, inside its bounds and on its grid (up to 12 significant digits).
 * Returns the canonical params.
 */
export function validateParams(space: SearchSpace, params: unknown, where = 'params'): Params {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new InputError(where, `expected an object of parameter values, got ${describeValue(params)}`);
  }
  const record = params as Record<string, unknown>;
  for (const name of Object.keys(record)) {
    if (!Object.hasOwn(space, name)) {
      throw new InputError(`${where}.${name}`, `not a parameter of the search space (known: ${Object.keys(space).join(', ')})`);
    }
  }
  const out: Params = {};
  for (const name of Object.keys(space).sort(compareNames)) {
    const at = `${where}.${name}`;
    if (!Object.hasOwn(record, name)) throw new InputError(at, 'missing');
    const d = space[name]!;
    const value = record[name];
    const canonical = canonicalOrThrow(d, value, at);
    if (typeof value === 'number' && d.type !== 'choice' && round12(value) !== canonical) {
      throw new InputError(
        at,
        `${value} is not a value of ${describeDistribution(d)} (outside the bounds or off the grid; nearest valid value: ${canonical})`,
      );
    }
    out[name] = canonical;
  }
  return out;
}
