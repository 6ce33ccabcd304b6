// The experiment file: YAML or JSON that declares a study. Accepts swarmtune's own spelling and the
// AutoTuneExperiment / NNI spellings of the same things (seed 004), so a spec can be brought over as it is.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  createPruner,
  InputError,
  parseConstraint,
  parseSearchSpace,
  PRUNER_NAMES,
  SAMPLER_NAMES,
  toNniSpace,
  type StudySpec,
} from '@swarmtune/core';
import { commandObjectiveSchema, serviceObjectiveSchema } from '@swarmtune/runner';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { firstIssue } from './zod-error.js';

export const DEFAULT_STORE = 'file:.swarmtune/studies.jsonl';

const direction = z.enum(['minimize', 'maximize']);
const positiveInt = z.number().int().positive();

/** NNI tuner names we support, and what they map to. */
const NNI_TUNERS: Record<string, 'tpe' | 'random' | 'grid' | 'anneal' | 'evolution'> = {
  TPE: 'tpe',
  Random: 'random',
  GridSearch: 'grid',
  Anneal: 'anneal',
  Evolution: 'evolution',
};

/** NNI assessor names we support: Medianstop is the median pruner (its start_step is the warm-up). */
const NNI_ASSESSORS = ['Medianstop'] as const;

const jsonObjectOrString = z.union([z.string(), z.record(z.string(), z.unknown())]);

const experimentSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only'),
    store: z.string().min(1).optional(),
    objectives: z
      .array(z.object({ name: z.string().min(1), direction }).strict())
      .min(1, 'at least one objective')
      .optional(),
    direction: direction.optional(),
    searchSpace: jsonObjectOrString,
    sampler: z
      .union([z.enum(SAMPLER_NAMES), z.object({ name: z.enum(SAMPLER_NAMES) }).passthrough()])
      .optional(),
    tuner: z
      .object({ builtinTunerName: z.string(), classArgs: jsonObjectOrString.optional() })
      .strict()
      .optional(),
    constraints: z.array(z.unknown()).optional(),
    pruner: z.union([z.enum(PRUNER_NAMES), z.object({ name: z.enum(PRUNER_NAMES) }).passthrough()]).optional(),
    assessor: z
      .object({ builtinAssessorName: z.string(), classArgs: jsonObjectOrString.optional() })
      .strict()
      .optional(),
    limits: z
      .object({ maxTrials: positiveInt.optional(), maxExecSeconds: z.number().positive().optional(), trialConcurrency: positiveInt.optional() })
      .strict()
      .optional(),
    maxTrials: positiveInt.optional(),
    maxTrialNum: positiveInt.optional(),
    maxExecSeconds: z.number().positive().optional(),
    trialConcurrency: positiveInt.optional(),
    objective: z.record(z.string(), z.unknown()),
    seed: z.number().int().optional(),
    retryFailed: z.object({ enabled: z.boolean(), maxRetries: z.number().int().min(0) }).strict().optional(),
    heartbeat: z.object({ intervalSeconds: z.number().positive(), graceSeconds: z.number().positive() }).strict().optional(),
    /** Notifications of this run (not stored with the study: URLs and secrets stay local). See worker/notifications. */
    notify: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export interface Experiment {
  spec: StudySpec;
  /** Store URL from the file, if any. */
  store?: string;
  /** The experiment file's folder: relative paths in it (objective.cwd) are taken from here. */
  baseDir: string;
  /** The raw `notify:` block, parsed by the CLI with parseNotifyConfig (secrets are read from env/files then). */
  notify?: Record<string, unknown>;
}

export function loadExperimentFile(path: string): Experiment {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(path, `cannot read the experiment file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseExperiment(text, path, dirname(resolve(path)));
}

export function parseExperiment(text: string, fileName: string, baseDir: string): Experiment {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    throw new InputError(pos ? `${fileName}:${pos.line}:${pos.col}` : fileName, `not valid YAML/JSON: ${e.message.split('\n')[0]}`);
  }
  let raw = doc.toJS() as unknown;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError(fileName, 'expected a mapping with name, searchSpace, objective, ...');
  }
  raw = unwrapKubernetesResource(raw as Record<string, unknown>, fileName);
  return { ...toSpec(raw as Record<string, unknown>, fileName), baseDir };
}

/** `apiVersion/kind/metadata/spec` (AutoTuneExperiment): the study is `spec`, its name `metadata.name`. */
function unwrapKubernetesResource(raw: Record<string, unknown>, fileName: string): Record<string, unknown> {
  if (!('spec' in raw) || !('kind' in raw)) return raw;
  const spec = raw.spec as Record<string, unknown>;
  const meta = (raw.metadata ?? {}) as Record<string, unknown>;
  if ('trainingConfig' in spec && !('objective' in spec)) {
    throw new InputError(
      `${fileName}: spec.trainingConfig`,
      'Kubernetes training jobs are not run by swarmtune; describe the trial as `objective: {type: command, command: ...}`',
    );
  }
  const { aistore: _aistore, ...rest } = spec;
  return { name: meta.name, ...rest };
}

function toSpec(raw: Record<string, unknown>, fileName: string): Omit<Experiment, 'baseDir'> {
  const parsed = experimentSchema.safeParse(raw);
  if (!parsed.success) {
    const { path, message } = firstIssue(parsed.error);
    throw new InputError(`${fileName}: ${path || '(top level)'}`, message);
  }
  const e = parsed.data;
  const where = (field: string) => `${fileName}: ${field}`;

  const space = parseSearchSpace(e.searchSpace, where('searchSpace'));

  const objectiveSchema = e.objective.type === 'service' ? serviceObjectiveSchema : commandObjectiveSchema;
  const objectiveCheck = objectiveSchema.safeParse(e.objective);
  if (!objectiveCheck.success) {
    const { path, message } = firstIssue(objectiveCheck.error);
    throw new InputError(where(path ? `objective.${path}` : 'objective'), message);
  }

  let sampler: StudySpec['sampler'] = { name: 'tpe', options: {} };
  let tunerDirection: z.infer<typeof direction> | undefined;
  if (e.sampler && e.tuner) throw new InputError(where('tuner'), 'give either sampler or tuner (the NNI spelling), not both');
  if (typeof e.sampler === 'string') sampler = { name: e.sampler, options: {} };
  else if (e.sampler) {
    const { name, ...options } = e.sampler;
    sampler = { name, options };
  } else if (e.tuner) {
    ({ sampler, direction: tunerDirection } = fromNniTuner(e.tuner, where));
  }

  if (e.objectives && e.direction) throw new InputError(where('direction'), 'give either objectives or direction, not both');
  const objectives = e.objectives ?? [{ name: 'value', direction: e.direction ?? tunerDirection ?? 'minimize' }];

  const maxTrials = e.limits?.maxTrials ?? e.maxTrials ?? e.maxTrialNum;
  const maxExecSeconds = e.limits?.maxExecSeconds ?? e.maxExecSeconds;
  const trialConcurrency = e.limits?.trialConcurrency ?? e.trialConcurrency;

  const spec: StudySpec = {
    name: e.name,
    objectives,
    searchSpace: toNniSpace(space),
    sampler,
    limits: {
      ...(maxTrials !== undefined ? { maxTrials } : {}),
      ...(maxExecSeconds !== undefined ? { maxExecSeconds } : {}),
      ...(trialConcurrency !== undefined ? { trialConcurrency } : {}),
    },
    objective: e.objective,
    ...(e.seed !== undefined ? { seed: e.seed } : {}),
    ...(e.retryFailed ? { retryFailed: e.retryFailed } : {}),
    ...(e.heartbeat ? { heartbeat: e.heartbeat } : {}),
    ...(e.constraints ? { constraints: e.constraints.map((c, i) => parseConstraint(c, where(`constraints[${i}]`))) } : {}),
    ...pruningSpec(e.pruner, e.assessor, where),
  };
  return { spec, ...(e.store ? { store: e.store } : {}), ...(e.notify ? { notify: e.notify } : {}) };
}

function fromNniTuner(
  tuner: { builtinTunerName: string; classArgs?: string | Record<string, unknown> | undefined },
  where: (field: string) => string,
): { sampler: StudySpec['sampler']; direction?: z.infer<typeof direction> } {
  const name = NNI_TUNERS[tuner.builtinTunerName];
  if (!name) {
    throw new InputError(
      where('tuner.builtinTunerName'),
      `"${tuner.builtinTunerName}" is not supported; supported: ${Object.keys(NNI_TUNERS).join(', ')}`,
    );
  }
  let args: Record<string, unknown> = {};
  if (typeof tuner.classArgs === 'string') {
    try {
      args = JSON.parse(tuner.classArgs) as Record<string, unknown>;
    } catch {
      throw new InputError(where('tuner.classArgs'), 'not valid JSON');
    }
  } else if (tuner.classArgs) args = tuner.classArgs;
  const schema = z
    .object({
      optimize_mode: direction.optional(),
      // hyperopt's parallel lie (min/max/mean); swarmtune's constant liar always lies with the worst value seen,
      // as Optuna does, which is the safe choice for either direction.
      constant_liar_type: z.enum(['min', 'max', 'mean']).optional(),
      population_size: z.number().int().positive().optional(),
    })
    .strict();
  const parsed = schema.safeParse(args);
  if (!parsed.success) {
    const { path, message } = firstIssue(parsed.error);
    throw new InputError(where(`tuner.classArgs${path ? `.${path}` : ''}`), message);
  }
  const options: Record<string, unknown> = {};
  if (name === 'tpe' && parsed.data.constant_liar_type) options.constantLiar = true;
  if (name === 'evolution' && parsed.data.population_size) options.populationSize = parsed.data.population_size;
  return {
    sampler: { name, options },
    ...(parsed.data.optimize_mode ? { direction: parsed.data.optimize_mode } : {}),
  };
}

/** `pruner` (swarmtune's spelling) or `assessor` (NNI's), checked here so that bad options fail before any trial. */
function pruningSpec(
  pruner: string | { name: (typeof PRUNER_NAMES)[number]; [key: string]: unknown } | undefined,
  assessor: { builtinAssessorName: string; classArgs?: string | Record<string, unknown> | undefined } | undefined,
  where: (field: string) => string,
): Pick<StudySpec, 'pruner'> {
  if (pruner && assessor) throw new InputError(where('assessor'), 'give either pruner or assessor (the NNI spelling), not both');
  let config: StudySpec['pruner'];
  if (typeof pruner === 'string') config = { name: pruner as (typeof PRUNER_NAMES)[number], options: {} };
  else if (pruner) {
    const { name, ...options } = pruner;
    config = { name, options };
  } else if (assessor) {
    if (!(NNI_ASSESSORS as readonly string[]).includes(assessor.builtinAssessorName)) {
      throw new InputError(
        where('assessor.builtinAssessorName'),
        `"${assessor.builtinAssessorName}" is not supported; supported: ${NNI_ASSESSORS.join(', ')} ` +
          `(or pruner: ${PRUNER_NAMES.join(' | ')})`,
      );
    }
    let args: unknown = assessor.classArgs ?? {};
    if (typeof args === 'string') {
      try {
        args = JSON.parse(args);
      } catch {
        throw new InputError(where('assessor.classArgs'), 'not valid JSON');
      }
    }
    const parsed = z
      .object({ optimize_mode: direction.optional(), start_step: z.number().int().min(0).optional() })
      .strict()
      .safeParse(args);
    if (!parsed.success) {
      const { path, message } = firstIssue(parsed.error);
      throw new InputError(where(`assessor.classArgs${path ? `.${path}` : ''}`), message);
    }
    // optimize_mode is accepted but the pruner judges intermediate values in the first objective's direction.
    config = { name: 'median', options: parsed.data.start_step !== undefined ? { nWarmupSteps: parsed.data.start_step } : {} };
  }
  if (!config) return {};
  createPruner(config, where(assessor ? 'assessor' : 'pruner'));
  return { pruner: config };
}
