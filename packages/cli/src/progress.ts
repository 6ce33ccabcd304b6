import { SingleBar } from 'cli-progress';
import { bestTrial, type ObjectiveSpec, type Trial } from '@swarmtune/core';
import type { WorkerEvent } from '@swarmtune/worker';
import { formatValue } from './format.js';

/** A progress bar on stderr when it is a TTY; nothing otherwise (the logs tell the story there). */
export function progressReporter(options: { total?: number; objectives: readonly ObjectiveSpec[]; done: number }) {
  if (!process.stderr.isTTY) return { onEvent: (_e: WorkerEvent) => undefined, stop: () => undefined };
  const bar = new SingleBar(
    {
      format: ' {bar} {value}/{total} trials | running {running} | best {best}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
    },
  );
  const finished: Trial[] = [];
  let running = 0;
  bar.start(options.total ?? 0, options.done, { running, best: '-' });
  return {
    onEvent(e: WorkerEvent) {
      if (e.type === 'trial_started') running++;
      if (e.type === 'trial_finished') {
        running = Math.max(0, running - 1);
        finished.push(e.trial);
        const best = bestTrial(finished, options.objectives);
        bar.increment(1, { running, best: formatValue(best?.values?.[0]) });
      } else bar.update({ running });
    },
    stop: () => bar.stop(),
  };
}
