import type { Worker } from '@swarmtune/worker';

/**
 * SIGINT: finish the running trials, report them, exit 0. A second SIGINT, or SIGTERM: interrupt the trials
 * (their process groups are stopped, FAIL(interrupted) is recorded, their params re-enqueued), then exit.
 */
export function installStopSignals(worker: Worker): () => void {
  let interrupts = 0;
  const onInt = () => {
    interrupts++;
    worker.stop(interrupts === 1 ? 'graceful' : 'now');
    if (interrupts === 1) process.stderr.write('\nstopping after the running trials (Ctrl-C again to interrupt them)\n');
  };
  const onTerm = () => worker.stop('now');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}
