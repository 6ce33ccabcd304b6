import { InputError } from '@swarmtune/core';
import { objectiveEvaluator, Worker, workerIdentity } from '@swarmtune/worker';
import { createLogger } from '../logger.js';
import { installStopSignals } from '../signals.js';
import { defaultStoreUrl, openStore } from '../store-url.js';
import { logDir } from './run.js';

export interface WorkerStartOptions {
  store?: string;
  study?: string[];
  all?: boolean;
  concurrency: number;
}

export async function workerStart(opts: WorkerStartOptions): Promise<number> {
  if (!opts.all && !opts.study?.length) throw new InputError('worker start', 'give --study NAME (repeatable) or --all');
  if (opts.all && opts.study?.length) throw new InputError('worker start', 'give either --study or --all, not both');
  const store = await openStore(opts.store ?? defaultStoreUrl());
  const identity = workerIdentity();
  const logger = createLogger(identity, { interactive: false });
  try {
    if (opts.study) {
      for (const name of opts.study) {
        if (!(await store.getStudy(name))) throw new InputError('--study', `no study named "${name}" in ${store.displayUrl}`);
      }
    }
    logger.info({ store: store.displayUrl, studies: opts.study ?? 'all', concurrency: opts.concurrency }, 'worker started');
    const worker = new Worker({
      store,
      studies: opts.all ? 'all' : opts.study!,
      evaluate: objectiveEvaluator({ logDir: logDir() }),
      logger,
      identity,
      concurrency: opts.concurrency,
    });
    const removeSignals = installStopSignals(worker);
    try {
      const summary = await worker.run();
      logger.info({ ...summary }, 'worker exiting');
      return summary.undelivered > 0 ? 1 : 0;
    } finally {
      removeSignals();
    }
  } finally {
    await store.close();
  }
}
