import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, type StudyClient } from '@swarmtune/core';
import { commandObjectiveSchema, runCommandTrial, toTrialResult, type CommandObjective } from '@swarmtune/runner';
import { serviceEvaluator } from './service-evaluator.js';
import { TrialPruning } from './pruning.js';
import type { Evaluator } from './worker.js';

/**
 * Runs trials of studies whose objective is `type: command`. Trial logs go to `<logDir>/<study>/trial-N.log`.
 * The objective's cwd was made absolute when the study was created; on a host where that folder does not exist
 * (another machine, a container) the worker's own working directory is used instead.
 */
export function commandEvaluator(options: { logDir: string }): Evaluator {
  const specs = new Map<string, CommandObjective>();
  const specOf = (study: StudyClient): CommandObjective => {
    let spec = specs.get(study.name);
    if (!spec) {
      const parsed = commandObjectiveSchema.safeParse(study.record.spec.objective);
      if (!parsed.success) {
        throw new InputError(`study ${study.name}: objective`, parsed.error.issues[0]?.message ?? 'invalid');
      }
      spec = parsed.data;
      if (spec.cwd && !existsSync(spec.cwd)) spec = { ...spec, cwd: process.cwd() };
      specs.set(study.name, spec);
    }
    return spec;
  };
  return async ({ trial, study, signal, logger }) => {
    const pruning = TrialPruning.for(study, trial, signal, logger);
    const outcome = await runCommandTrial(specOf(study), {
      params: trial.params,
      trialNumber: trial.number,
      trialId: trial.id,
      study: study.name,
      baseDir: process.cwd(),
      logDir: join(options.logDir, study.name),
      objectives: study.record.spec.objectives,
      signal: pruning.signal,
      onIntermediate: pruning.onIntermediate,
    });
    await pruning.settled();
    return pruning.toResult(toTrialResult(outcome), signal);
  };
}

/** Picks the runner by the study's `objective.type`: `command` or `service`. */
export function objectiveEvaluator(options: { logDir: string }): Evaluator {
  const command = commandEvaluator(options);
  const service = serviceEvaluator(options);
  return (ctx) => (ctx.study.record.spec.objective?.type === 'service' ? service(ctx) : command(ctx));
}
