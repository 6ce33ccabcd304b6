import { InputError } from '@swarmtune/core';
import { z } from 'zod';

/** Seconds between SIGTERM and SIGKILL when a trial's process group is stopped and the file gives no value. */
export const DEFAULT_KILL_GRACE_SECONDS = 5;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const envName = z.string().regex(ENV_NAME, { error: 'must be an environment variable name (letters, digits, _)' });

/** YAML turns `EXTRA: 1` into a number; an env value is always a string, so scalars are accepted and stringified. */
const envValue = z
  .union([z.string(), z.number(), z.boolean()], { error: 'must be a string, number or boolean' })
  .transform((v) => String(v));

/** How many capture groups a regex source has (appending `|` makes it match '' so the groups show up). */
function captureGroupCount(source: string): number {
  return new RegExp(`${source}|`).exec('')!.length - 1;
}

const metricRegex = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(err as Error).message}` });
    return;
  }
  if (captureGroupCount(source) === 0) {
    ctx.addIssue({ code: 'custom', message: `needs a capture group around the number, e.g. "loss=([0-9.eE+-]+)"` });
  }
});

export const commandObjectiveSchema = z
  .object({
    type: z.literal('command', { error: 'must be "command"' }),
    /** A string runs through `/bin/sh -c`; an array is argv (no shell). */
    command: z.union([z.string().trim().min(1), z.array(z.string()).min(1)], {
      error: 'must be a non-empty shell command string or a non-empty array of strings (argv)',
    }),
    /** Relative to the experiment file's folder (the caller's baseDir). */
    cwd: z.string().min(1).optional(),
    env: z.record(envName, envValue).optional(),
    /** Param name -> extra env var name that also carries the value. */
    paramEnv: z.record(z.string().min(1), envName).optional(),
    timeoutSeconds: z.number().positive({ error: 'must be a number of seconds > 0' }).optional(),
    killGraceSeconds: z.number().nonnegative({ error: 'must be a number of seconds >= 0' }).optional(),
    /** Metric name -> regex applied to each stdout line; the first capture group of the last match is the value. */
    metrics: z.record(z.string().min(1), metricRegex).optional(),
    /** Single objective: which metric is its value (default: `value`, then the metric named like the objective). */
    value: z.string().min(1).optional(),
  })
  .strict();

export type CommandObjective = z.output<typeof commandObjectiveSchema>;

function issueWhere(prefix: string, issue: z.core.$ZodIssue): string {
  const segments = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') segments.push(issue.keys[0] ?? '');
  return [prefix, ...segments].filter((s) => s !== '').join('.');
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let node = raw;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function issueProblem(issue: z.core.$ZodIssue, raw: unknown): string {
  if (issue.code === 'unrecognized_keys') {
    const more = issue.keys.length > 1 ? ` (also ${issue.keys.slice(1).join(', ')})` : '';
    return `unknown field${more}; known: ${Object.keys(commandObjectiveSchema.shape).join(', ')}`;
  }
  if (issue.code === 'invalid_key') return `bad name: ${issue.issues.map((i) => i.message).join('; ')}`;
  if (valueAt(raw, issue.path) === undefined) return 'is required';
  return issue.message;
}

/**
 * Validates an experiment file's `objective` block of type command. Throws one InputError naming the first bad
 * field (`objective.command`, `objective.metrics.loss`, ...), with any further problems appended.
 */
export function parseCommandObjective(raw: unknown, where = 'objective'): CommandObjective {
  const parsed = commandObjectiveSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const [first, ...rest] = parsed.error.issues;
  if (!first) throw new InputError(where, 'invalid command objective');
  const also = rest.map((i) => `${issueWhere(where, i)}: ${issueProblem(i, raw)}`);
  const tail = also.length > 0 ? `; also ${also.join('; ')}` : '';
  throw new InputError(issueWhere(where, first), `${issueProblem(first, raw)}${tail}`);
}
