// One bench worker process: the swarmtune Worker loop (the same one `swarmtune worker start` runs) on a Redis
// store, with an in-process objective instead of a command, so that the measure is the tuner's own overhead.
// argv[2]: JSON {url, prefix, study, sleepMs}. Prints {"ready":true} after its first trial; SIGTERM stops it.
import { openRedisStore } from '@swarmtune/redis-store';
import { Worker } from '@swarmtune/worker';
import pino from 'pino';

const req = JSON.parse(process.argv[2]);
const store = await openRedisStore(req.url, { prefix: req.prefix });
let announced = false;
const worker = new Worker({
  store,
  studies: [req.study],
  logger: pino({ level: 'warn' }, pino.destination(2)),
  evaluate: async ({ trial }) => {
    if (req.sleepMs) await new Promise((r) => setTimeout(r, req.sleepMs));
    const values = Object.values(trial.params).filter((v) => typeof v === 'number');
    return { state: 'COMPLETE', values: [values.reduce((a, b) => a + b, 0)] };
  },
  onEvent: (ev) => {
    if (ev.type === 'trial_finished' && !announced) {
      announced = true;
      process.stdout.write('{"ready":true}\n');
    }
  },
});
process.once('SIGTERM', () => worker.stop('graceful'));
const summary = await worker.run();
await store.close();
process.stdout.write(`${JSON.stringify({ done: true, finished: summary.finished })}\n`);
