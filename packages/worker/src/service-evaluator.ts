import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, type StudyClient } from '@swarmtune/core';
import { runServiceTrial, serviceObjectiveSchema, toServiceTrialResult, type ServiceObjective } from '@swarmtune/runner';
import type { Evaluator } from './worker.js';

/**
 * Runs trials of studies whose objective is `type: service` (start -> ready -> eval x N -> stop). Logs go to
 * `<logDir>/<study>/trial-N.log` (eval runs) and `trial-N.service.log` (the service's own output). As for
 * commands, a stored cwd that does not exist on this host falls back to the worker's working directory.
 */
export function serviceEvaluator(options: { logDir: string }): Evaluator {
  const specs = new Map<string, ServiceObjective>();
  const specOf = (study: StudyClient): ServiceObjective => {
    let spec = specs.get(study.name);
    if (!spec) {
      const parsed = serviceObjectiveSchema.safeParse(study.record.spec.objective);
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
    const outcome = await runServiceTrial(specOf(study), {
      params: trial.params,
      trialNumber: trial.number,
      trialId: trial.id,
      study: study.name,
      baseDir: process.cwd(),
      logDir: join(options.logDir, study.name),
      objectives: study.record.spec.objectives,
      signal,
      onProgress: (message, details) => logger.info(details ?? {}, message),
      onServiceSpawn: (pid) => logger.debug({ servicePid: pid }, 'service started'),
    });
    return toServiceTrialResult(outcome);
  };
}
