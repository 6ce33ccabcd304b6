// DESIGN "Workers, signals, stop": SIGINT finishes the trial; a second SIGINT or SIGTERM stops the trial's whole
// process group, records FAIL(interrupted) and re-enqueues its params. Asserted on trial states and on pids.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEmbeddedStore, type Trial } from '@swarmtune/core';
import { runCli, waitFor } from './helpers/cli.js';
import { clusterDir, describeExit, gatedObjective, isAlive, readPids, startWorker } from './helpers/cluster.js';

async function setup(name: string) {
  const cluster = clusterDir({ name, maxTrials: 10, space: { x: { _type: 'uniform', _value: [0, 1] } }, sampler: { name: 'random' }, objectiveScript: gatedObjective });
  const url = `file:${join(cluster.dir, 'studies.jsonl')}`;
  const created = await runCli(['study', 'create', cluster.experiment, '--store', url]);
  expect(created.code, created.stderr).toBe(0);
  const store = await openEmbeddedStore(url);
  const worker = startWorker(url, name, 'sig-host', cluster.dir);
  const pids = await waitFor(() => readPids(cluster.pidDir, 0), 'trial 0 to start its process');
  return { cluster, store, worker, pids, trials: () => store.getTrials(name) };
}

async function expectGroupGone(pids: { pid: number; grandchild: number }) {
  await waitFor(() => !isAlive(pids.pid) && !isAlive(pids.grandchild), 'the trial process and its grandchild to be gone', 10_000);
}

function expectInterruptedAndRequeued(trials: Trial[]) {
  const t0 = trials.find((t) => t.number === 0)!;
  expect(t0.state).toBe('FAIL');
  expect(t0.failReason).toBe('interrupted');
  const retry = trials.find((t) => t.retryOf === 0)!;
  expect(retry.state).toBe('WAITING');
  expect(retry.params).toEqual(t0.params);
  expect(trials.some((t) => t.state === 'RUNNING')).toBe(false);
}

describe('worker signals', () => {
  it('SIGINT: the running trial finishes and is reported, no new trial starts, exit 0', async () => {
    const { cluster, store, worker, pids, trials } = await setup('sigint');
    worker.kill('SIGINT');
    // the trial is still running after the SIGINT: it finishes only when released
    expect(isAlive(pids.pid)).toBe(true);
    writeFileSync(join(cluster.pidDir, 'release'), '');
    const exit = await worker.result;
    expect(exit.code, describeExit(exit)).toBe(0);
    const ts = await trials();
    expect(ts.map((t) => [t.number, t.state])).toEqual([[0, 'COMPLETE']]);
    await store.close();
  });

  it('SIGTERM: the trial process group is stopped, FAIL(interrupted), params re-enqueued, exit 0', async () => {
    const { store, worker, pids, trials } = await setup('sigterm');
    worker.kill('SIGTERM');
    const exit = await worker.result;
    expect(exit.code, describeExit(exit)).toBe(0);
    await expectGroupGone(pids);
    expectInterruptedAndRequeued(await trials());
    await store.close();
  });

  it('a second SIGINT interrupts like SIGTERM', async () => {
    const { store, worker, pids, trials } = await setup('sigint2');
    worker.kill('SIGINT');
    // signals do not queue: wait until the first one was handled before sending the second
    await waitFor(() => worker.output().stderr.includes('stopping after the running trials'), 'the first SIGINT to be handled');
    worker.kill('SIGINT');
    const exit = await worker.result;
    expect(exit.code, describeExit(exit)).toBe(0);
    await expectGroupGone(pids);
    expectInterruptedAndRequeued(await trials());
    await store.close();
  });
});
