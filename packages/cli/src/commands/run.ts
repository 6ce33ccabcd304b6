import { isAbsolute, join, resolve } from 'node:path';
import { bestTrial, countsTowardBudget, InputError, TERMINAL_STUDY_STATES, type StudySpec } from '@swarmtune/core';
import { objectiveEvaluator, Worker, workerIdentity } from '@swarmtune/worker';
import { loadExperimentFile, type Experiment } from '../experiment.js';
import { trialJson, trialLine } from '../format.js';
import { createLogger } from '../logger.js';
import { progressReporter } from '../progress.js';
import { installStopSignals } from '../signals.js';
import { defaultStoreUrl, openStore } from '../store-url.js';
import { studyOutputs, withBaseFromBestFile, type OutputFlags } from '../study-outputs.js';

export interface RunOptions extends OutputFlags {
  workers?: number;
  store?: string;
  json?: boolean;
}

export function logDir(): string {
  return resolve(process.env.SWARMTUNE_LOG_DIR ?? '.swarmtune/logs');
}

/** The spec as stored: the objective's cwd made absolute (relative paths are relative to the experiment file). */
export function specToStore(exp: Experiment): StudySpec {
  const objective = { ...(exp.spec.objective ?? {}) };
  const cwd = typeof objective.cwd === 'string' ? objective.cwd : '.';
  objective.cwd = isAbsolute(cwd) ? cwd : join(exp.baseDir, cwd);
  return { ...exp.spec, objective };
}

/** A study that exists already may be resumed only with the same search space and objectives. */
export function checkResumable(stored: StudySpec, given: StudySpec, where: string): void {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (!same(stored.searchSpace, given.searchSpace) || !same(stored.objectives, given.objectives)) {
    throw new InputError(
      where,
      `study "${given.name}" already exists with a different search space or objectives; give the experiment another name`,
    );
  }
}

export async function runExperiment(file: string, opts: RunOptions): Promise<number> {
  const exp = loadExperimentFile(file);
  const store = await openStore(opts.store ?? exp.store ?? defaultStoreUrl(), opts.store ? '--store' : `${file}: store`);
  const identity = workerIdentity();
  const logger = createLogger(identity, { interactive: Boolean(process.stderr.isTTY) });
  try {
    const spec = withBaseFromBestFile(specToStore(exp), opts.best);
    const { record, created } = await store.createStudy(spec, Date.now());
    if (!created) checkResumable(record.spec, spec, `${file}: name`);
    logger.info({ study: spec.name, store: store.displayUrl, created }, created ? 'study created' : 'resuming study');
    if (TERMINAL_STUDY_STATES.includes(record.state)) {
      process.stderr.write(`study ${spec.name} is already ${record.state}\n`);
    } else {
      const before = (await store.getTrials(spec.name)).filter((t) => t.state !== 'RUNNING' && countsTowardBudget(t)).length;
      const progress = progressReporter({ total: record.spec.limits.maxTrials, objectives: record.spec.objectives, done: before });
      const outputs = studyOutputs({
        spec: record.spec,
        flags: opts,
        evaluate: objectiveEvaluator({ logDir: logDir() }),
        logger,
        ...(exp.notify ? { experimentNotify: { raw: exp.notify, baseDir: exp.baseDir, where: `${file}: notify` } } : {}),
      });
      const worker = new Worker({
        store,
        studies: [spec.name],
        evaluate: outputs.evaluate,
        logger,
        identity,
        concurrency: opts.workers ?? record.spec.limits.trialConcurrency ?? 1,
        onEvent: (event) => {
          progress.onEvent(event);
          outputs.onEvent(event);
        },
        // one process: a seeded study gives the same trials every time
        rngSalt: '',
      });
      const removeSignals = installStopSignals(worker);
      outputs.start();
      try {
        const summary = await worker.run();
        if (summary.undelivered > 0) return 1;
      } finally {
        removeSignals();
        progress.stop();
        await outputs.close();
      }
    }
    const final = await store.getStudy(spec.name);
    const trials = await store.getTrials(spec.name);
    const best = bestTrial(trials, record.spec.objectives, record.spec.constraints);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ study: spec.name, state: final?.state, best: best ? trialJson(best, record.spec.objectives) : null })}\n`);
    } else {
      const counts = countStates(trials.map((t) => t.state));
      process.stdout.write(`study ${spec.name}: ${final?.state ?? '?'} (${counts})\n`);
      process.stdout.write(best ? `best trial ${trialLine(best, record.spec.objectives)}\n` : 'no COMPLETE trial yet\n');
    }
    return 0;
  } finally {
    await store.close();
  }
}

export function countStates(states: string[]): string {
  const counts = new Map<string, number>();
  for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ') || 'no trials';
}
