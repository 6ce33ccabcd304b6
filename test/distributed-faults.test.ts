// Issue 3 acceptance: kill -9 of a worker, study stop (with and without --now), a store restarted mid-study,
// per-host reports, and bad store input. Real redis-server processes on free loopback ports.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisStore } from '@swarmtune/redis-store';
import type { Store, Trial } from '@swarmtune/core';
import { runCli, waitFor } from './helpers/cli.js';
import { clusterDir, describeExit, gatedObjective, isAlive, readPids, startWorker } from './helpers/cluster.js';
import { startRedisServer, type RedisServer } from './redis-harness.js';

let redis: RedisServer;
let store: Store;

beforeAll(async () => {
  redis = await startRedisServer();
  store = await openRedisStore(redis.url);
});
afterAll(async () => {
  await store?.close();
  await redis?.stop();
});

const trialsOf = (study: string) => store.getTrials(study);

async function create(cluster: { experiment: string }, url = redis.url) {
  const res = await runCli(['study', 'create', cluster.experiment, '--store', url]);
  expect(res.code, res.stderr).toBe(0);
}

describe('kill -9 of a worker mid-trial', () => {
  it('its trial becomes FAIL(stale) within the grace and is re-run by another worker; the study completes', async () => {
    const study = 'kill9';
    const cluster = clusterDir({ name: study, maxTrials: 12, workMs: 300, heartbeat: { intervalSeconds: 0.2, graceSeconds: 1.5 } });
    await create(cluster);
    const victim = startWorker(redis.url, study, 'victim', cluster.dir);
    const victimTrial = await waitFor(async () => (await trialsOf(study)).find((t) => t.state === 'RUNNING' && t.host === 'victim'), 'the victim to run a trial');
    const survivor = startWorker(redis.url, study, 'survivor', cluster.dir);
    victim.kill('SIGKILL');
    await victim.result;
    const killedAt = Date.now();

    const stale = await waitFor(async () => (await trialsOf(study)).find((t) => t.id === victimTrial.id && t.state === 'FAIL'), 'the trial to be failed stale');
    expect(stale.failReason).toBe('stale');
    // never before the grace (1.5 s) after the victim's last heartbeat; and soon after it, by the survivor's next
    // ask (the bound is loose: this machine is shared and slow, and the point is "not stuck", not a latency figure)
    const lastBeat = stale.heartbeatAt ?? stale.startedAt!;
    expect(stale.finishedAt! - lastBeat).toBeGreaterThanOrEqual(1_500);
    expect(stale.finishedAt! - killedAt).toBeLessThan(15_000);

    const exit = await survivor.result;
    expect(exit.code, describeExit(exit)).toBe(0);
    const trials = await trialsOf(study);
    const retry = trials.find((t) => t.retryOf === victimTrial.number)!;
    expect(retry.state).toBe('COMPLETE');
    expect(retry.host).toBe('survivor');
    expect(retry.params).toEqual(victimTrial.params);
    expect(trials.filter((t) => t.state === 'COMPLETE' && t.reusedFrom === undefined)).toHaveLength(12);
    expect(trials.some((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toBe(false);
    expect((await store.getStudy(study))?.state).toBe('DONE');
  });
});

describe('swarmtune study stop', () => {
  async function fourWorkers(study: string) {
    const cluster = clusterDir({ name: study, maxTrials: 1000, space: { x: { _type: 'uniform', _value: [0, 1] } }, sampler: { name: 'random' }, objectiveScript: gatedObjective });
    await create(cluster);
    const workers = Array.from({ length: 4 }, (_, i) => startWorker(redis.url, study, `stop-${i}`, cluster.dir));
    // every worker is in the middle of a trial
    await waitFor(async () => new Set((await trialsOf(study)).filter((t) => t.state === 'RUNNING').map((t) => t.host)).size === 4, 'four running trials');
    return { cluster, workers };
  }

  it('stops 4 workers within one trial', async () => {
    const study = 'stop-graceful';
    const { cluster, workers } = await fourWorkers(study);
    const running = (await trialsOf(study)).filter((t) => t.state === 'RUNNING');
    const stop = await runCli(['study', 'stop', study, '--store', redis.url]);
    expect(stop.code, stop.stderr).toBe(0);
    writeFileSync(join(cluster.pidDir, 'release'), '');
    const exits = await Promise.all(workers.map((w) => w.result));
    for (const e of exits) expect(e.code, describeExit(e)).toBe(0);
    const trials = await trialsOf(study);
    // each worker finished the trial it had and started no other
    expect(trials.map((t) => t.id).sort()).toEqual(running.map((t) => t.id).sort());
    expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
    expect((await store.getStudy(study))?.state).toBe('STOPPED');
  });

  it('with --now, interrupts the trials within the kill grace', async () => {
    const study = 'stop-now';
    const { cluster, workers } = await fourWorkers(study);
    const running = (await trialsOf(study)).filter((t) => t.state === 'RUNNING');
    const pids = await waitFor(() => {
      const found = running.map((t) => readPids(cluster.pidDir, t.number));
      return found.every(Boolean) ? (found as Array<{ pid: number; grandchild: number }>) : undefined;
    }, 'the four trial processes to start');
    const stop = await runCli(['study', 'stop', study, '--now', '--store', redis.url]);
    expect(stop.code, stop.stderr).toBe(0);
    // The gate stays closed, so the workers can only exit by interrupting their trials; each trial process was
    // stopped by the TERM that starts the kill grace (it records it), not by the KILL at its end.
    const exits = await Promise.all(workers.map((w) => w.result));
    for (const e of exits) expect(e.code, describeExit(e)).toBe(0);
    for (const t of running) expect(existsSync(join(cluster.pidDir, `${t.number}.term`)), `trial ${t.number} got TERM`).toBe(true);
    await waitFor(() => pids.every((p) => !isAlive(p.pid) && !isAlive(p.grandchild)), 'trial process groups to be gone', 10_000);
    const trials = await trialsOf(study);
    const byId = new Map(trials.map((t) => [t.id, t]));
    for (const t of running) {
      expect(byId.get(t.id)?.state).toBe('FAIL');
      expect(byId.get(t.id)?.failReason).toBe('interrupted');
    }
    expect(trials.some((t) => t.state === 'RUNNING')).toBe(false);
  });

  it('a worker that was not connected when the stop was sent still stops', async () => {
    const study = 'stop-missed';
    const cluster = clusterDir({ name: study, maxTrials: 50, workMs: 10 });
    await create(cluster);
    const stop = await runCli(['study', 'stop', study, '--store', redis.url]);
    expect(stop.code, stop.stderr).toBe(0);
    const late = await startWorker(redis.url, study, 'late', cluster.dir).result;
    expect(late.code, describeExit(late)).toBe(0);
    expect(await trialsOf(study)).toEqual([]);
  });
});

describe('store restarted in the middle of a study', () => {
  it('workers resume; no result lost, none duplicated', async () => {
    const persistent = await startRedisServer({ persistent: true });
    try {
      const study = 'restart';
      const cluster = clusterDir({ name: study, maxTrials: 40, workMs: 50 });
      await create(cluster, persistent.url);
      const workers = Array.from({ length: 3 }, (_, i) => startWorker(persistent.url, study, `r-${i}`, cluster.dir));
      const probe = await openRedisStore(persistent.url);
      await waitFor(async () => (await probe.getTrials(study)).filter((t) => t.state === 'COMPLETE').length >= 10, 'ten COMPLETE trials');
      await probe.close();
      await persistent.restart();
      const exits = await Promise.all(workers.map((w) => w.result));
      for (const e of exits) expect(e.code, describeExit(e)).toBe(0);

      const after = await openRedisStore(persistent.url);
      const trials: Trial[] = await after.getTrials(study);
      await after.close();
      const evaluated = trials.filter((t) => t.state === 'COMPLETE' && t.reusedFrom === undefined);
      expect(evaluated).toHaveLength(40);
      expect(new Set(evaluated.map((t) => t.paramKey)).size).toBe(40);
      // every real run that reported is in the store once: no result lost, none recorded twice
      const runs = cluster.runs();
      const completeNumbers = new Set(evaluated.map((t) => t.number));
      for (const t of evaluated) expect(runs.some((r) => r.trial === t.number)).toBe(true);
      expect(runs.filter((r) => completeNumbers.has(r.trial)).length).toBe(40);
      expect(trials.some((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toBe(false);
    } finally {
      await persistent.stop();
    }
  });
});

describe('report hosts', () => {
  it('shows the right counts and statistics per host', async () => {
    const study = 'hosts';
    const cluster = clusterDir({ name: study, maxTrials: 30, workMs: 20 });
    await create(cluster);
    const workers = ['alpha', 'alpha', 'beta'].map((h) => startWorker(redis.url, study, h, cluster.dir));
    for (const e of await Promise.all(workers.map((w) => w.result))) expect(e.code, describeExit(e)).toBe(0);
    const res = await runCli(['report', 'hosts', '--study', study, '--json', '--store', redis.url]);
    expect(res.code, res.stderr).toBe(0);
    const rows = JSON.parse(res.stdout) as Array<{ host: string; complete: number; workers: number; meanSeconds: number; medianSeconds: number }>;
    const trials = (await trialsOf(study)).filter((t) => t.state === 'COMPLETE' && t.reusedFrom === undefined);
    expect(rows.map((r) => r.host).sort()).toEqual(['alpha', 'beta']);
    for (const row of rows) {
      const mine = trials.filter((t) => t.host === row.host);
      expect(row.complete).toBe(mine.length);
      expect(row.workers).toBe(new Set(mine.map((t) => t.workerId)).size);
      const mean = mine.reduce((a, t) => a + (t.finishedAt! - t.startedAt!) / 1000, 0) / mine.length;
      expect(row.meanSeconds).toBeCloseTo(mean, 6);
    }
    expect(rows.find((r) => r.host === 'alpha')!.workers).toBe(2);
    expect(rows.reduce((a, r) => a + r.complete, 0)).toBe(30);
    const text = await runCli(['report', 'hosts', '--study', study, '--store', redis.url]);
    expect(text.stdout).toMatch(/host\s+mean s\s+median s\s+complete\s+workers\s+trials\/h/);
  });
});

describe('bad store input: one clear error, exit 2, nothing written', () => {
  it('malformed URL', async () => {
    const res = await runCli(['study', 'list', '--store', 'redis://127.0.0.1:notaport']);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain('store');
  });

  it('wrong password: the message does not contain the password', async () => {
    const secured = await startRedisServer({ password: 'right-secret' });
    try {
      const cluster = clusterDir({ name: 'pw', maxTrials: 2 });
      const url = `redis://:wrong-secret@127.0.0.1:${secured.port}/0`;
      const res = await runCli(['study', 'create', cluster.experiment, '--store', url]);
      expect(res.code).toBe(2);
      expect(res.stderr).not.toContain('wrong-secret');
      expect(res.stderr.toLowerCase()).toMatch(/password|auth/);
      const ok = await openRedisStore(secured.url);
      expect(await ok.listStudies()).toEqual([]);
      await ok.close();
    } finally {
      await secured.stop();
    }
  });

  it('unreachable store', async () => {
    const gone = await startRedisServer();
    const url = gone.url;
    await gone.stop();
    const res = await runCli(['study', 'list', '--store', url]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/unreachable|connect|refused/i);
  });
});
