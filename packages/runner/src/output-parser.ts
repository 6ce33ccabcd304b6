import type { IntermediateValue, ObjectiveSpec } from '@swarmtune/core';
import { LastLines } from './lines.js';

/*
 * How a command reports, read line by line from stdout:
 *
 * - JSON lines. A line that is a JSON object (`{...}` alone on the line) is a report:
 *     {"value": 0.12}                    the value of a single objective
 *     {"values": [0.12, 0.9]}            one value per objective, in the study's order
 *     {"metrics": {"loss": 0.12}}        named metrics
 *     {"loss": 0.12, "acc": 0.9}         a flat object: every numeric field is a metric
 *   (fields combine: `{"value": 1, "metrics": {...}}`). Python's bare NaN/Infinity are understood, and rejected
 *   as values. Any other line, including one that only looks like JSON, is ordinary output.
 * - Step lines: a JSON object with a numeric `step`, e.g. `{"step": 3, "value": 0.41}`, is an intermediate value
 *   (for pruners and live progress); the value is `value`, else the single-objective key (see below).
 * - Regexes from `objective.metrics`, tried on every stdout line; the first capture group of the last match wins.
 *   Regexes see one line at a time.
 *
 * The final result is the LAST JSON line without `step`, plus the regex metrics. Where both give a metric of the
 * same name, the JSON line wins. A step line is used as the final result only when there is nothing else: no
 * JSON line without `step` and no regex match at all (a script that only prints step lines ends on its last one).
 *
 * Objective values: with `values`, positionally. Otherwise for a single objective: `objective.value` when set,
 * else the metric `value`, else the metric named like the objective. For several objectives: the metric named
 * like each objective. Missing, non-numeric or non-finite values make the output invalid; a non-finite metric
 * that no objective needs is dropped with a warning.
 */

export interface OutputParserOptions {
  objectives: readonly ObjectiveSpec[];
  /** `objective.value`: the metric that is the single objective's value. */
  valueKey?: string;
  /** Metric name -> regex source (validated by the schema). */
  regexes?: Record<string, string>;
}

export type ParsedOutput =
  | {
      ok: true;
      values: number[];
      metrics: Record<string, number>;
      intermediate: IntermediateValue[];
      warnings: string[];
    }
  | {
      ok: false;
      /** What was expected and what came. */
      problem: string;
      metrics: Record<string, number>;
      intermediate: IntermediateValue[];
    };

type JsonObject = Record<string, unknown>;

/** Python's json.dumps writes NaN/Infinity bare; make them parseable so they can be reported rather than missed. */
const BARE_NON_FINITE = /([:[,]\s*)(-?)(NaN|Infinity)(?=\s*[,}\]])/g;
const NON_FINITE_MARK = '\u0000nonfinite:';

function parseJsonObjectLine(line: string): JsonObject | undefined {
  const text = line.trim();
  if (!text.startsWith('{') || !text.endsWith('}')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    try {
      parsed = JSON.parse(text.replace(BARE_NON_FINITE, (_m, pre: string, sign: string, word: string) => {
        return `${pre}${JSON.stringify(NON_FINITE_MARK + sign + word)}`;
      }));
    } catch {
      return undefined;
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  return parsed as JsonObject;
}

function describe(v: unknown): string {
  if (typeof v === 'string' && v.startsWith(NON_FINITE_MARK)) return v.slice(NON_FINITE_MARK.length);
  if (typeof v === 'number') return String(v);
  const json = JSON.stringify(v);
  return json === undefined ? String(v) : json.length > 80 ? `${json.slice(0, 80)}...` : json;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Good metrics and, by name, why others are unusable. */
class MetricSet {
  readonly good = new Map<string, number>();
  readonly bad = new Map<string, string>();

  set(name: string, value: unknown, source: string): void {
    if (isFiniteNumber(value)) {
      this.good.set(name, value);
      this.bad.delete(name);
    } else {
      this.good.delete(name);
      this.bad.set(name, `${source} is ${describe(value)}, not a finite number`);
    }
  }

  has(name: string): boolean {
    return this.good.has(name) || this.bad.has(name);
  }
}

export class OutputParser {
  private readonly regexes: Array<{ name: string; re: RegExp }>;
  private readonly regexHits = new Map<string, string>();
  private lastFinal: JsonObject | undefined;
  private lastStep: JsonObject | undefined;
  private readonly intermediate: IntermediateValue[] = [];
  private readonly recent = new LastLines(5);
  private truncatedLines = 0;

  constructor(private readonly options: OutputParserOptions) {
    this.regexes = Object.entries(options.regexes ?? {}).map(([name, source]) => ({
      name,
      re: new RegExp(source, 'g'),
    }));
  }

  /** Feeds one stdout line; returns the intermediate value it carried, if any. */
  acceptLine(line: string, truncated = false): IntermediateValue | undefined {
    if (line.trim() !== '') this.recent.add(line);
    for (const { name, re } of this.regexes) {
      let last: string | undefined;
      for (const m of line.matchAll(re)) if (m[1] !== undefined) last = m[1];
      if (last !== undefined) this.regexHits.set(name, last);
    }
    if (truncated) {
      this.truncatedLines++;
      return undefined;
    }
    const obj = parseJsonObjectLine(line);
    if (!obj) return undefined;
    if (isFiniteNumber(obj.step)) {
      this.lastStep = obj;
      const value = this.singleValueKeys()
        .map((k) => obj[k])
        .find(isFiniteNumber);
      if (value === undefined) return undefined;
      const point = { step: obj.step, value };
      this.intermediate.push(point);
      return point;
    }
    this.lastFinal = obj;
    return undefined;
  }

  finish(): ParsedOutput {
    const { objectives } = this.options;
    const metrics = new MetricSet();
    for (const [name, raw] of this.regexHits) {
      const n = raw.trim() === '' ? Number.NaN : Number(raw);
      metrics.set(name, Number.isFinite(n) ? n : raw, `metric "${name}" (regex match "${raw}")`);
    }
    const report = this.lastFinal ?? (this.regexHits.size === 0 ? this.lastStep : undefined);
    const problems: string[] = [];
    let positional: number[] | undefined;
    if (report) positional = this.readReport(report, metrics, problems);

    const intermediate = [...this.intermediate];
    const fail = (problem: string): ParsedOutput => ({ ok: false, problem, metrics: toRecord(metrics.good), intermediate });
    if (problems.length > 0) return fail(problems.join('; '));
    if (!report && this.regexHits.size === 0) return fail(this.nothingFoundMessage());

    const values: number[] = [];
    if (positional) {
      if (positional.length !== objectives.length) {
        return fail(
          `expected ${objectives.length} value(s) in "values" (${objectives.map((o) => o.name).join(', ')}), ` +
            `got ${positional.length}: ${describe(positional)}`,
        );
      }
      values.push(...positional);
      objectives.forEach((o, i) => {
        if (!metrics.good.has(o.name)) metrics.good.set(o.name, positional![i]!);
      });
    } else {
      for (const objective of objectives) {
        const keys = objectives.length === 1 ? this.singleValueKeys() : [objective.name];
        const key = keys.find((k) => metrics.has(k));
        if (key === undefined) {
          return fail(
            `expected the metric ${keys.map((k) => `"${k}"`).join(' or ')} for objective "${objective.name}", ` +
              `got ${metricList(metrics)}`,
          );
        }
        const bad = metrics.bad.get(key);
        if (bad !== undefined) return fail(`objective "${objective.name}": ${bad}`);
        values.push(metrics.good.get(key)!);
      }
    }
    const warnings = [...metrics.bad.values()].map((b) => `dropped ${b}`);
    return { ok: true, values, metrics: toRecord(metrics.good), intermediate, warnings };
  }

  /** Keys that hold the value of a single objective, in order of preference. */
  private singleValueKeys(): string[] {
    if (this.options.valueKey !== undefined) return [this.options.valueKey];
    const name = this.options.objectives[0]?.name;
    return name === undefined || name === 'value' ? ['value'] : ['value', name];
  }

  /** Copies a JSON report's metrics into `metrics`; returns its `values` array if it has a valid one. */
  private readReport(report: JsonObject, metrics: MetricSet, problems: string[]): number[] | undefined {
    let positional: number[] | undefined;
    for (const [key, v] of Object.entries(report)) {
      if (key === 'step') continue;
      if (key === 'values') {
        if (!Array.isArray(v)) {
          problems.push(`"values" is ${describe(v)}, expected an array of numbers`);
        } else {
          const badAt = v.findIndex((x) => !isFiniteNumber(x));
          if (badAt !== -1) problems.push(`values[${badAt}] is ${describe(v[badAt])}, not a finite number`);
          else positional = v as number[];
        }
      } else if (key === 'metrics') {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) {
          problems.push(`"metrics" is ${describe(v)}, expected an object of numbers`);
        } else {
          for (const [name, m] of Object.entries(v)) metrics.set(name, m, `metrics.${name}`);
        }
      } else if (key === 'value' || typeof v === 'number' || isNonFiniteMark(v)) {
        // Flat objects: numeric fields are metrics; other fields (strings, flags) are the script's own business.
        metrics.set(key, v, `"${key}"`);
      }
    }
    return positional;
  }

  private nothingFoundMessage(): string {
    const expected = ['a JSON object line such as {"value": 0.12}, {"values": [...]} or {"metrics": {...}}'];
    if (this.regexes.length > 0) {
      expected.push(`a match of the metric regex(es) ${this.regexes.map((r) => `${r.name}: /${r.re.source}/`).join(', ')}`);
    }
    const lines = this.recent.get();
    const came =
      lines.length === 0
        ? 'stdout was empty'
        : `the last stdout line(s) were:\n${lines.map((l) => `  ${l}`).join('\n')}`;
    const truncated = this.truncatedLines > 0 ? ` (${this.truncatedLines} over-long line(s) were not parsed)` : '';
    return `no metrics in the output: expected ${expected.join(' or ')}; ${came}${truncated}`;
  }
}

function isNonFiniteMark(v: unknown): boolean {
  return typeof v === 'string' && v.startsWith(NON_FINITE_MARK);
}

function toRecord(map: Map<string, number>): Record<string, number> {
  return Object.fromEntries(map);
}

function metricList(metrics: MetricSet): string {
  const names = [...metrics.good.keys(), ...metrics.bad.keys()];
  return names.length === 0 ? 'no metrics' : `metrics: ${names.join(', ')}`;
}
