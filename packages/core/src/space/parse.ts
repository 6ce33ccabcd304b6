import { z } from 'zod';
import { InputError } from '../errors.js';
import type { ParamValue } from '../model.js';
import { round12, stepCount } from './numeric.js';
import type { Distribution, DistributionType, SearchSpace } from './types.js';

/** Every `_type` the parser accepts (plus the alias `qlognoraml`, NNI's documented misspelling of `qlognormal`). */
export const DISTRIBUTION_TYPES: readonly DistributionType[] = [
  'choice',
  'randint',
  'uniform',
  'quniform',
  'loguniform',
  'qloguniform',
  'normal',
  'qnormal',
  'lognormal',
  'qlognormal',
  'step',
];

const TYPE_ALIASES: Record<string, DistributionType> = { qlognoraml: 'qlognormal' };

const entrySchema = z.strictObject({
  _type: z.string({ error: '_type must be a string' }),
  _value: z.array(z.unknown(), { error: '_value must be an array' }),
});

const finite = (label: string) =>
  z.number({ error: (iss) => `${label} must be a finite number (got ${describe(iss.input)})` });
const positive = (label: string) => finite(label).gt(0, { error: (iss) => `${label} must be > 0 (got ${describe(iss.input)})` });
const integer = (label: string) =>
  finite(label).int({ error: (iss) => `${label} must be an integer (got ${describe(iss.input)})` });

const choiceValue = z.union([z.string(), z.boolean(), z.number()], {
  error: (iss) =>
    `choice values must be numbers, strings or booleans (got ${describe(iss.input)}; nested search spaces are not supported)`,
});

/** `[low, high]` with low <= high (strict for randint). */
function rangeSchema(low: z.ZodNumber, high: z.ZodNumber, strict: boolean) {
  return z.tuple([low, high]).refine(([l, h]) => (strict ? l < h : l <= h), {
    error: (iss) => {
      const [l, h] = iss.input as [number, number];
      return strict ? `low (${l}) must be < high (${h}): high is exclusive` : `low (${l}) must be <= high (${h})`;
    },
  });
}

function logRange(schema: z.ZodType<[number, number]>) {
  return schema.refine(([l]) => l > 0, {
    error: (iss) => `low must be > 0 for a log scale (got ${(iss.input as number[])[0]})`,
  });
}

interface TypeRule {
  /** Names of the `_value` items, for the arity message. */
  fields: string[];
  schema: z.ZodType<unknown[]>;
  build(value: unknown[]): Distribution;
}

const num = (v: unknown[], i: number) => v[i] as number;

const RULES: Record<Exclude<DistributionType, 'choice'>, TypeRule> = {
  randint: {
    fields: ['low', 'high'],
    schema: rangeSchema(integer('low'), integer('high'), true),
    build: (v) => ({ type: 'randint', low: num(v, 0), high: num(v, 1) }),
  },
  uniform: {
    fields: ['low', 'high'],
    schema: rangeSchema(finite('low'), finite('high'), false),
    build: (v) => ({ type: 'uniform', low: num(v, 0), high: num(v, 1) }),
  },
  quniform: {
    fields: ['low', 'high', 'q'],
    schema: z.tuple([finite('low'), finite('high'), positive('q')]).refine(([l, h]) => l <= h, {
      error: (iss) => `low (${(iss.input as number[])[0]}) must be <= high (${(iss.input as number[])[1]})`,
    }),
    build: (v) => ({ type: 'quniform', low: num(v, 0), high: num(v, 1), q: num(v, 2) }),
  },
  loguniform: {
    fields: ['low', 'high'],
    schema: logRange(rangeSchema(finite('low'), finite('high'), false)),
    build: (v) => ({ type: 'loguniform', low: num(v, 0), high: num(v, 1) }),
  },
  qloguniform: {
    fields: ['low', 'high', 'q'],
    schema: z
      .tuple([finite('low'), finite('high'), positive('q')])
      .refine(([l, h]) => l <= h, {
        error: (iss) => `low (${(iss.input as number[])[0]}) must be <= high (${(iss.input as number[])[1]})`,
      })
      .refine(([l]) => l > 0, { error: (iss) => `low must be > 0 for a log scale (got ${(iss.input as number[])[0]})` }),
    build: (v) => ({ type: 'qloguniform', low: num(v, 0), high: num(v, 1), q: num(v, 2) }),
  },
  normal: {
    fields: ['mu', 'sigma'],
    schema: z.tuple([finite('mu'), positive('sigma')]),
    build: (v) => ({ type: 'normal', mu: num(v, 0), sigma: num(v, 1) }),
  },
  qnormal: {
    fields: ['mu', 'sigma', 'q'],
    schema: z.tuple([finite('mu'), positive('sigma'), positive('q')]),
    build: (v) => ({ type: 'qnormal', mu: num(v, 0), sigma: num(v, 1), q: num(v, 2) }),
  },
  lognormal: {
    fields: ['mu', 'sigma'],
    schema: z.tuple([finite('mu'), positive('sigma')]),
    build: (v) => ({ type: 'lognormal', mu: num(v, 0), sigma: num(v, 1) }),
  },
  qlognormal: {
    fields: ['mu', 'sigma', 'q'],
    schema: z.tuple([finite('mu'), positive('sigma'), positive('q')]),
    build: (v) => ({ type: 'qlognormal', mu: num(v, 0), sigma: num(v, 1), q: num(v, 2) }),
  },
  step: {
    fields: ['start', 'end', 'step'],
    schema: z
      .tuple([finite('start'), finite('end'), positive('step')])
      .refine(([s, e]) => s <= e, {
        error: (iss) => `start (${(iss.input as number[])[0]}) must be <= end (${(iss.input as number[])[1]})`,
      })
      .refine(([s, e, st]) => stepCount(s, e, st) <= 1e9, { error: 'step list has more than 1e9 points' }),
    build: (v) => ({ type: 'step', start: num(v, 0), end: num(v, 1), step: num(v, 2) }),
  },
};

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function firstIssue(error: z.ZodError): { path: PropertyKey[]; message: string } {
  const issue = error.issues[0]!;
  return { path: issue.path, message: issue.message };
}

function parseChoice(values: unknown[], where: string): Distribution {
  if (values.length === 0) throw new InputError(where, 'choice needs at least one value (got an empty list)');
  const parsed: ParamValue[] = [];
  const seen = new Map<string, number>();
  values.forEach((raw, index) => {
    const result = choiceValue.safeParse(raw);
    if (!result.success) throw new InputError(`${where}[${index}]`, firstIssue(result.error).message);
    const value = result.data;
    const key = choiceKey(value);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new InputError(`${where}[${index}]`, `duplicate choice value ${describe(value)} (same as item ${earlier})`);
    }
    seen.set(key, index);
    parsed.push(value);
  });
  return { type: 'choice', values: parsed };
}

/** Identity of a choice value: type plus value, numbers up to the 12-digit rounding ("1" and 1 differ). */
export function choiceKey(value: ParamValue): string {
  return typeof value === 'number' ? `n:${round12(value)}` : typeof value === 'string' ? `s:${value}` : `b:${value}`;
}

/** One `{_type, _value}` entry. `where` names the parameter, e.g. `searchSpace.lr`. */
export function parseDistribution(raw: unknown, where: string): Distribution {
  const entry = entrySchema.safeParse(raw);
  if (!entry.success) {
    const { path, message } = firstIssue(entry.error);
    const field = path.length > 0 ? `${where}.${String(path[0])}` : where;
    const problem =
      path.length === 0 && typeof raw !== 'object'
        ? `expected {"_type": ..., "_value": [...]}, got ${describe(raw)}`
        : message;
    throw new InputError(field, problem);
  }
  const typeName = entry.data._type;
  const type = (TYPE_ALIASES[typeName] ?? typeName) as DistributionType;
  const valueWhere = `${where}._value`;
  if (type === 'choice') return parseChoice(entry.data._value, valueWhere);
  const rule = Object.hasOwn(RULES, type) ? RULES[type as keyof typeof RULES] : undefined;
  if (!rule) {
    throw new InputError(
      `${where}._type`,
      `unknown _type ${describe(typeName)}; valid types: ${DISTRIBUTION_TYPES.join(', ')}`,
    );
  }
  const value = entry.data._value;
  if (value.length !== rule.fields.length) {
    throw new InputError(
      valueWhere,
      `${type} expects [${rule.fields.join(', ')}] (${rule.fields.length} numbers), got ${value.length}: ${describe(value)}`,
    );
  }
  const result = rule.schema.safeParse(value);
  if (!result.success) throw new InputError(valueWhere, firstIssue(result.error).message);
  return rule.build(value);
}

/**
 * Parses an NNI search space `{"name": {"_type": "...", "_value": [...]}}`, given as an object or as a JSON string
 * (an experiment file may hold it in a YAML block string). Names come back sorted.
 */
export function parseSearchSpace(raw: unknown, where = 'searchSpace'): SearchSpace {
  let data = raw;
  if (typeof raw === 'string') {
    try {
      data = JSON.parse(raw);
    } catch (err) {
      throw new InputError(where, `not valid JSON: ${(err as Error).message}`);
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InputError(where, `expected an object of {"name": {"_type": ..., "_value": [...]}}, got ${describe(data)}`);
  }
  const space: SearchSpace = {};
  for (const name of Object.keys(data).sort(compareNames)) {
    if (name.length === 0) throw new InputError(where, 'parameter names must not be empty');
    space[name] = parseDistribution((data as Record<string, unknown>)[name], `${where}.${name}`);
  }
  return space;
}

/** Code-unit order: the same on every platform and locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The NNI form of a parsed space, for storing it in a study spec (parseSearchSpace(toNniSpace(s)) equals s). */
export function toNniSpace(space: SearchSpace): Record<string, { _type: DistributionType; _value: unknown[] }> {
  const out: Record<string, { _type: DistributionType; _value: unknown[] }> = {};
  for (const name of Object.keys(space).sort(compareNames)) {
    const d = space[name]!;
    out[name] = { _type: d.type, _value: nniValue(d) };
  }
  return out;
}

function nniValue(d: Distribution): unknown[] {
  switch (d.type) {
    case 'choice':
      return [...d.values];
    case 'randint':
    case 'uniform':
    case 'loguniform':
      return [d.low, d.high];
    case 'quniform':
    case 'qloguniform':
      return [d.low, d.high, d.q];
    case 'normal':
    case 'lognormal':
      return [d.mu, d.sigma];
    case 'qnormal':
    case 'qlognormal':
      return [d.mu, d.sigma, d.q];
    case 'step':
      return [d.start, d.end, d.step];
  }
}
