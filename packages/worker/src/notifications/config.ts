import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '@swarmtune/core';
import { z } from 'zod';

export const NOTIFY_EVENTS = ['start', 'best', 'trial_failed', 'trial_done', 'done', 'heartbeat'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];
/** Sent when a channel names no events: everything but the per-trial trial_done (which can be a lot). */
export const DEFAULT_EVENTS: readonly NotifyEvent[] = ['start', 'best', 'trial_failed', 'done', 'heartbeat'];

const secretSource = {
  /** Literal (fine for a generic URL without a token; prefer env or file for anything secret). */
  url: z.url({ protocol: /^https?$/ }).optional(),
  /** Name of an env var that holds the URL. */
  urlEnv: z.string().min(1).optional(),
  /** A file that holds the URL (first line), relative to the experiment file. */
  urlFile: z.string().min(1).optional(),
  events: z.array(z.enum(NOTIFY_EVENTS)).min(1).optional(),
};

const channelSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('webhook'), ...secretSource }),
  z.strictObject({
    kind: z.literal('feishu'),
    ...secretSource,
    /** The bot's signing secret ("签名校验"), from env or a file; never written in the experiment file. */
    secretEnv: z.string().min(1).optional(),
    secretFile: z.string().min(1).optional(),
  }),
]);

export const notifySchema = z.strictObject({
  channels: z.array(channelSchema).min(1),
  heartbeat: z
    .strictObject({
      everyTrials: z.number().int().nonnegative().optional(),
      everySeconds: z.number().nonnegative().optional(),
    })
    .optional(),
  /** trial_done: every Nth finished trial (default 1). */
  trialDoneEvery: z.number().int().positive().optional(),
  /** Delivery attempts after the first, with exponential backoff (0.5 s, 1 s, 2 s, ...). Default 3. */
  retries: z.number().int().nonnegative().max(10).optional(),
});

export interface NotifyChannel {
  kind: 'webhook' | 'feishu';
  url: string;
  secret?: string;
  events: readonly NotifyEvent[];
  /** For logs: kind and host only (the URL path of a bot webhook is its token). */
  label: string;
}

export interface NotifyConfig {
  channels: NotifyChannel[];
  heartbeat: { everyTrials: number; everySeconds: number };
  trialDoneEvery: number;
  retries: number;
}

function readSecret(
  where: string,
  literal: string | undefined,
  envName: string | undefined,
  file: string | undefined,
  baseDir: string,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const given = [literal, envName, file].filter((x) => x !== undefined).length;
  if (given > 1) throw new InputError(where, 'give one of the literal, the Env or the File form, not several');
  if (literal !== undefined) return literal;
  if (envName !== undefined) {
    const v = env[envName]?.trim();
    if (!v) throw new InputError(where, `the env var ${envName} is not set or empty`);
    return v;
  }
  if (file !== undefined) {
    const path = resolve(baseDir, file);
    if (!existsSync(path)) throw new InputError(where, `the file ${path} does not exist`);
    const v = readFileSync(path, 'utf8').split('\n')[0]!.trim();
    if (!v) throw new InputError(where, `the file ${path} is empty`);
    return v;
  }
  return undefined;
}

/** The `notify:` block, with URLs and secrets resolved from env vars or files. InputError naming the field. */
export function parseNotifyConfig(raw: unknown, where: string, baseDir: string, env: NodeJS.ProcessEnv = process.env): NotifyConfig {
  const parsed = notifySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = [...issue.path.map(String), ...(issue.code === 'unrecognized_keys' ? [issue.keys[0] ?? ''] : [])];
    throw new InputError([where, ...path].join('.'), issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message);
  }
  const n = parsed.data;
  const channels = n.channels.map((c, i): NotifyChannel => {
    const at = `${where}.channels.${i}`;
    const url = readSecret(`${at}.url`, c.url, c.urlEnv, c.urlFile, baseDir, env);
    if (url === undefined) throw new InputError(`${at}.url`, 'give url, urlEnv or urlFile');
    let host: string;
    try {
      host = new URL(url).host;
    } catch {
      throw new InputError(`${at}.url`, 'the URL (from env or file) is not a valid http(s) URL');
    }
    const secret = c.kind === 'feishu' ? readSecret(`${at}.secret`, undefined, c.secretEnv, c.secretFile, baseDir, env) : undefined;
    return { kind: c.kind, url, ...(secret ? { secret } : {}), events: c.events ?? DEFAULT_EVENTS, label: `${c.kind}#${i} (${host})` };
  });
  return {
    channels,
    heartbeat: { everyTrials: n.heartbeat?.everyTrials ?? 0, everySeconds: n.heartbeat?.everySeconds ?? 0 },
    trialDoneEvery: n.trialDoneEvery ?? 1,
    retries: n.retries ?? 3,
  };
}
