// Coordinate ascent over parameter groups (seed 003's search order): start from base params, try every candidate
// value of the first parameter with the others held at base, keep the best feasible value, move on to the next
// parameter from there. Linear in the number of values rather than their product; can miss a global optimum.
import { z } from 'zod';
import { isBetter } from '../best.js';
import { InputError } from '../errors.js';
import type { ParamValue, Params, Trial } from '../model.js';
import { isFeasible } from '../multi/constraints.js';
import { canonicalValue } from '../space/canonical.js';
import { latticeOf } from '../space/lattice.js';
import { compareNames } from '../space/parse.js';
import { paramKey } from '../space/canonical.js';
import type { Distribution, SearchSpace } from '../space/types.js';
import type { Sampler, SamplerContext } from './types.js';

const paramValue = z.union([z.number(), z.string(), z.boolean()]);

export const coordinateOptionsSchema = z.strictObject({
  /** Parameters in the order they are explored; parameters not named are explored after them, in name order. */
  order: z.array(z.string().min(1)).optional(),
  /** Where the ascent starts; parameters not given start at their distribution's middle (choice: first value). */
  base: z.record(z.string(), paramValue).optional(),
  /** Values to try per parameter instead of those drawn from its distribution. */
  candidates: z.record(z.string(), z.array(paramValue).min(1)).optional(),
  /** At most this many evenly spread values per parameter with many (or continuous) values. */
  maxCandidates: z.number().int().min(2).default(8),
  /** How many times the whole order is walked; later rounds start from the best found so far. */
  rounds: z.number().int().min(1).default(1),
});

export type CoordinateOptions = z.output<typeof coordinateOptionsSchema>;

export function parseCoordinateOptions(raw: unknown, where = 'sampler.options'): CoordinateOptions {
  const parsed = coordinateOptionsSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = [...issue.path.map(String), ...(issue.code === 'unrecognized_keys' ? [issue.keys[0] ?? ''] : [])];
  throw new InputError([where, ...path].join('.'), issue.code === 'unrecognized_keys' ? 'unknown option' : issue.message);
}

function spread(n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  return [...new Set(Array.from({ length: count }, (_, i) => Math.round((i * (n - 1)) / (count - 1))))];
}

/** The values explored for one parameter, in a fixed order. */
function candidateValues(d: Distribution, max: number): ParamValue[] {
  if (d.type === 'choice') return [...d.values];
  const lattice = latticeOf(d);
  if (lattice) return spread(lattice.size, max).map((i) => lattice.value(i));
  const points = Array.from({ length: max }, (_, i) => i / (max - 1));
  let raw: number[];
  switch (d.type) {
    case 'uniform':
    case 'quniform':
      raw = points.map((t) => d.low + t * (d.high - d.low));
      break;
    case 'loguniform':
    case 'qloguniform':
      raw = points.map((t) => Math.exp(Math.log(d.low) + t * (Math.log(d.high) - Math.log(d.low))));
      break;
    case 'normal':
    case 'qnormal':
      raw = points.map((t) => d.mu + d.sigma * (4 * t - 2));
      break;
    case 'lognormal':
    case 'qlognormal':
      raw = points.map((t) => Math.exp(d.mu + d.sigma * (4 * t - 2)));
      break;
    default:
      raw = [];
  }
  return dedupe(raw.map((x) => canonicalValue(d, x)!));
}

function middleValue(d: Distribution, max: number): ParamValue {
  if (d.type === 'choice') return d.values[0]!;
  const lattice = latticeOf(d);
  if (lattice) return lattice.value(Math.floor((lattice.size - 1) / 2));
  const values = candidateValues(d, max % 2 === 1 ? max : max + 1);
  return values[Math.floor(values.length / 2)]!;
}

function dedupe(values: ParamValue[]): ParamValue[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const k = `${typeof v}:${String(v)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

type KeyStatus = { kind: 'none' } | { kind: 'in_flight' } | { kind: 'failed' } | { kind: 'complete'; trial: Trial };

function statusByKey(space: SearchSpace, trials: readonly Trial[]): Map<string, KeyStatus> {
  const rank = { none: 0, failed: 1, in_flight: 2, complete: 3 } as const;
  const byKey = new Map<string, KeyStatus>();
  for (const t of trials) {
    let key = t.paramKey;
    if (!key) {
      try {
        key = paramKey(space, t.params);
      } catch {
        continue;
      }
    }
    const status: KeyStatus =
      t.state === 'COMPLETE' ? { kind: 'complete', trial: t } : t.state === 'WAITING' || t.state === 'RUNNING' ? { kind: 'in_flight' } : { kind: 'failed' };
    const previous = byKey.get(key);
    if (!previous || rank[status.kind] > rank[previous.kind]) byKey.set(key, status);
  }
  return byKey;
}

export function createCoordinateSampler(options: CoordinateOptions): Sampler {
  return {
    name: 'coordinate',
    sample(ctx: SamplerContext): Params | null {
      const { space, objectives } = ctx;
      const names = Object.keys(space).sort(compareNames);
      for (const name of [...(options.order ?? []), ...Object.keys(options.base ?? {}), ...Object.keys(options.candidates ?? {})]) {
        if (!Object.hasOwn(space, name)) throw new InputError(`sampler.options: ${name}`, 'not a parameter of the search space');
      }
      const order = [...new Set([...(options.order ?? []), ...names])];
      let base: Params = {};
      for (const name of names) {
        const given = options.base?.[name];
        const value = given === undefined ? undefined : canonicalValue(space[name]!, given);
        if (given !== undefined && value === undefined) {
          throw new InputError(`sampler.options.base.${name}`, `${JSON.stringify(given)} is not a value of this parameter`);
        }
        base[name] = value ?? middleValue(space[name]!, options.maxCandidates);
      }
      const statuses = statusByKey(space, ctx.trials);
      const direction = objectives[0]?.direction ?? 'minimize';
      for (let round = 0; round < options.rounds; round++) {
        for (const name of order) {
          const d = space[name]!;
          const listed = options.candidates?.[name]?.map((v) => canonicalValue(d, v));
          if (listed?.some((v) => v === undefined)) {
            throw new InputError(`sampler.options.candidates.${name}`, 'holds a value that is not a value of this parameter');
          }
          const values = dedupe([base[name]!, ...(listed ?? candidateValues(d, options.maxCandidates)).map((v) => v!)]);
          const configs = values.map((v) => ({ ...base, [name]: v }));
          let waiting = false;
          let best: { params: Params; value: number } | undefined;
          for (const params of configs) {
            const status = statuses.get(paramKey(space, params)) ?? { kind: 'none' };
            if (status.kind === 'none') return params;
            if (status.kind === 'in_flight') waiting = true;
            if (status.kind !== 'complete' || !isFeasible(status.trial, ctx.constraints, objectives)) continue;
            const value = status.trial.values?.[0];
            if (value === undefined || !Number.isFinite(value)) continue;
            if (!best || isBetter(value, best.value, direction)) best = { params, value };
          }
          // The next group starts from this group's winner, so it has to wait for every candidate of this one.
          if (waiting) return null;
          if (best) base = best.params;
        }
      }
      return null;
    },
    sampleParam(name) {
      throw new InputError('sampler.name', `the coordinate sampler cannot sample define-by-run parameters (asked for ${name})`);
    },
  };
}
