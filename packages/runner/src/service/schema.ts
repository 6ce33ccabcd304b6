import { InputError } from '@swarmtune/core';
import { z } from 'zod';
import { commandObjectiveSchema } from '../schema.js';

const base = commandObjectiveSchema.shape;
const seconds = (min: 'positive' | 'nonnegative') =>
  min === 'positive'
    ? z.number().positive({ error: 'must be a number of seconds > 0' })
    : z.number().nonnegative({ error: 'must be a number of seconds >= 0' });

const statusRange = z
  .tuple([z.number().int().min(100).max(599), z.number().int().min(100).max(599)], {
    error: 'must be [lowest, highest] HTTP status, e.g. [200, 499]',
  })
  .refine(([lo, hi]) => lo <= hi, { error: 'lowest must not be above highest' });

/** HTTP GET (a path on host:port, or a full url) with an accepted status range, or a plain TCP connect. */
const readySchema = z.union(
  [
    z.object({ path: z.string().startsWith('/'), status: statusRange.optional() }).strict(),
    z.object({ url: z.url({ protocol: /^https?$/ }), status: statusRange.optional() }).strict(),
    z.object({ tcp: z.literal(true) }).strict(),
  ],
  { error: 'must be {path: "/", status: [200, 499]}, {url: "http://...", status: [...]} or {tcp: true}' },
);

const regexSource = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(err as Error).message}` });
  }
});

export const serviceObjectiveSchema = z
  .object({
    type: z.literal('service', { error: 'must be "service"' }),
    /** Starts the service; it runs as the leader of its own process group until the trial stops it. */
    start: base.command,
    cwd: base.cwd,
    env: base.env,
    paramEnv: base.paramEnv,
    /** Also pass each param under its own name (seed 003 style: `MAX_BATCH=16`), when the name is a valid env name. */
    paramsAsEnv: z.boolean().optional(),
    port: z.number().int().min(1).max(65535, { error: 'must be a TCP port 1..65535' }),
    host: z.string().min(1).optional(),
    ready: readySchema.optional(),
    startupTimeoutSeconds: seconds('positive').optional(),
    /** The evaluation, run `evalRuns` times against the ready service; reports like a command objective. */
    eval: base.command,
    evalRuns: z.number().int().positive({ error: 'must be a whole number >= 1' }).optional(),
    evalTimeoutSeconds: seconds('positive').optional(),
    metrics: base.metrics,
    value: base.value,
    cooldownSeconds: seconds('nonnegative').optional(),
    killGraceSeconds: seconds('nonnegative').optional(),
    portBusyRetries: z.number().int().nonnegative().optional(),
    portBusyWaitSeconds: seconds('nonnegative').optional(),
    /** How long to wait for the port to close after the service was stopped. */
    portFreeTimeoutSeconds: seconds('positive').optional(),
    /**
     * Off unless given: a process listening on the port that swarmtune did not start is stopped only when its
     * command line matches this regex (e.g. a leftover `uvicorn serve:app`).
     */
    portBusyKill: z.object({ commandPattern: regexSource }).strict().optional(),
  })
  .strict();

export type ServiceObjective = z.output<typeof serviceObjectiveSchema>;

export const SERVICE_DEFAULTS = {
  host: '127.0.0.1',
  ready: { path: '/', status: [200, 499] as [number, number] },
  startupTimeoutSeconds: 240,
  evalRuns: 1,
  killGraceSeconds: 5,
  portBusyRetries: 3,
  portBusyWaitSeconds: 10,
  portFreeTimeoutSeconds: 30,
} as const;

function where(prefix: string, issue: z.core.$ZodIssue): string {
  const segments = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') segments.push(issue.keys[0] ?? '');
  return [prefix, ...segments].filter((s) => s !== '').join('.');
}

/** Validates an `objective` block of type service; one InputError naming the first bad field. */
export function parseServiceObjective(raw: unknown, at = 'objective'): ServiceObjective {
  const parsed = serviceObjectiveSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown field; known: ${Object.keys(serviceObjectiveSchema.shape).join(', ')}`
      : issue.message;
  throw new InputError(where(at, issue), message);
}
