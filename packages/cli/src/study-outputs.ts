// What `swarmtune run` adds around the worker for seed 003-style runs: results/best/status files,
// --skip-existing, notifications, and best_params.json as the coordinate sampler's starting point.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError, type StudySpec } from '@swarmtune/core';
import {
  Notifier,
  parseNotifyConfig,
  readBestParams,
  readResults,
  ResultsFiles,
  skipExisting,
  type Evaluator,
  type WorkerEvent,
} from '@swarmtune/worker';
import type { Logger } from 'pino';
import { parse } from 'yaml';

export interface OutputFlags {
  results?: string;
  best?: string;
  status?: string;
  skipExisting?: boolean;
  /** A YAML/JSON file holding a `notify:` block (or the block itself); wins over the experiment file's. */
  notify?: string;
}

export interface StudyOutputs {
  evaluate: Evaluator;
  onEvent: (event: WorkerEvent) => void;
  start: () => void;
  close: () => Promise<void>;
}

function notifyFromFile(path: string): { raw: unknown; baseDir: string } {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(`--notify ${path}`, `cannot read it as YAML/JSON (${(err as Error).message.split('\n')[0]})`);
  }
  const raw = doc !== null && typeof doc === 'object' && 'notify' in doc ? (doc as { notify: unknown }).notify : doc;
  return { raw, baseDir: dirname(resolve(path)) };
}

export function studyOutputs(args: {
  spec: StudySpec;
  flags: OutputFlags;
  evaluate: Evaluator;
  logger: Logger;
  /** The experiment file's `notify:` block and folder, when there is one. */
  experimentNotify?: { raw: unknown; baseDir: string; where: string };
}): StudyOutputs {
  const { spec, flags, logger } = args;
  if (flags.skipExisting && !flags.results) throw new InputError('--skip-existing', 'needs --results FILE to know what finished');
  const previous = flags.results ? readResults(resolve(flags.results)) : [];
  const notifySource = flags.notify ? { ...notifyFromFile(flags.notify), where: `--notify ${flags.notify}` } : args.experimentNotify;
  const config = notifySource ? parseNotifyConfig(notifySource.raw, notifySource.where, notifySource.baseDir) : undefined;
  const notifier = config ? new Notifier(config, spec.name, logger.child({ study: spec.name })) : undefined;
  const wanted = flags.results || flags.best || flags.status || notifier;
  const files = wanted
    ? new ResultsFiles({
        study: spec.name,
        objectives: spec.objectives,
        ...(spec.constraints ? { constraints: spec.constraints } : {}),
        ...(flags.results ? { results: resolve(flags.results) } : {}),
        ...(flags.best ? { best: resolve(flags.best) } : {}),
        ...(flags.status ? { status: resolve(flags.status) } : {}),
        previous,
        ...(notifier ? { listener: notifier } : {}),
      })
    : undefined;
  if (notifier) logger.info({ study: spec.name, channels: config!.channels.map((c) => c.label) }, 'notifications on');
  return {
    evaluate: flags.skipExisting ? skipExisting(args.evaluate, previous) : args.evaluate,
    onEvent: (event) => files?.onEvent(event),
    start: () => notifier?.start({ objectives: spec.objectives, limits: spec.limits }),
    close: async () => notifier?.close(),
  };
}

/**
 * seed 003: the coordinate ascent starts from best_params.json when it exists (params of the search space only;
 * `sampler.base` fills the rest). Applied when the study is created; a resumed study keeps its stored spec.
 */
export function withBaseFromBestFile(spec: StudySpec, bestPath: string | undefined): StudySpec {
  if (spec.sampler.name !== 'coordinate' || !bestPath) return spec;
  const best = readBestParams(resolve(bestPath));
  if (!best) return spec;
  const known = Object.fromEntries(Object.entries(best).filter(([k]) => Object.hasOwn(spec.searchSpace, k)));
  const options = spec.sampler.options ?? {};
  const base = { ...((options.base as Record<string, unknown> | undefined) ?? {}), ...known };
  return { ...spec, sampler: { ...spec.sampler, options: { ...options, base } } };
}
