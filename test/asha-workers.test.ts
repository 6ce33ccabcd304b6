// Issue 6: ASHA promotes and stops trials at each rung as the algorithm says, with two `swarmtune worker start`
// processes on one redis-server: a decision on one worker counts the rung values the other worker's trials stored.
// The test writes every trial's output line by line (test/fixtures/scripted-objective.cjs), so the order of the
// reports, and with it every decision, is fixed.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisStore } from '@swarmtune/redis-store';
import type { Store, Trial } from '@swarmtune/core';
import { repoRoot, runCli, tempDir, waitFor } from './helpers/cli.js';
import { describeExit, startWorker } from './helpers/cluster.js';
import { startRedisServer, type RedisServer } from './redis-harness.js';

let redis: RedisServer;
let store: Store;
beforeAll(async () => {
  redis = await startRedisServer();
  store = await openRedisStore(redis.url);
});
// the store first, so that its connections do not see the server go away
afterAll(async () => store?.close().then(() => redis?.stop()));

describe('ASHA with two worker processes on Redis', () => {
  it('promotes and stops trials at each rung from both workers\' values', async () => {
    const dir = tempDir('swarmtune-asha-');
    const scriptDir = join(dir, 'script');
    mkdirSync(scriptDir);
    const study = 'asha-2w';
    const experiment = join(dir, 'experiment.json');
    writeFileSync(
      experiment,
      JSON.stringify({
        name: study,
        objectives: [{ name: 'loss', direction: 'minimize' }],
        searchSpace: { x: { _type: 'uniform', _value: [0, 1] } },
        sampler: { name: 'random' },
        // rungs at steps 2, 4, 8; a trial goes on when it is within the best floor(n / 2) of the n trials that
        // reached the rung (the best one while n < 2)
        pruner: { name: 'asha', minResource: 2, reductionFactor: 2 },
        limits: { maxTrials: 5 },
        objective: { type: 'command', command: ['node', join(repoRoot, 'test/fixtures/scripted-objective.cjs')], env: { SCRIPT_DIR: scriptDir } },
      }),
    );
    const created = await runCli(['study', 'create', experiment, '--store', redis.url]);
    expect(created.code, created.stderr).toBe(0);
    const workers = [startWorker(redis.url, study, 'host-a', dir), startWorker(redis.url, study, 'host-b', dir)];

    const trial = async (n: number): Promise<Trial> => (await store.getTrials(study)).find((t) => t.number === n)!;
    const seen = new Set<number>();
    /** The next trial a worker of `host` runs. */
    const nextOn = async (host: string): Promise<number> => {
      const t = await waitFor(async () => (await store.getTrials(study)).find((x) => x.host === host && x.state === 'RUNNING' && !seen.has(x.number)), `a new trial on ${host}`);
      seen.add(t.number);
      return t.number;
    };
    const lines = new Map<number, number>();
    const say = (n: number, line: object) => {
      const k = lines.get(n) ?? 0;
      lines.set(n, k + 1);
      writeFileSync(join(scriptDir, `${n}-${k}.tmp`), JSON.stringify(line));
      renameSync(join(scriptDir, `${n}-${k}.tmp`), join(scriptDir, `${n}-${k}`));
    };
    /**
     * Trial n reports `value` at rung step `step`, then at the next step (never a rung). The worker handles one
     * report after the other, so the second one is stored only once the first was judged and not pruned.
     */
    const reach = async (n: number, step: number, value: number): Promise<'continues' | 'pruned'> => {
      say(n, { step, value });
      say(n, { step: step + 1, value });
      const t = await waitFor(async () => {
        const x = await trial(n);
        return x.state === 'PRUNED' || x.intermediate?.some((p) => p.step === step + 1) ? x : undefined;
      }, `trial ${n} to be judged at step ${step}`);
      if (t.state !== 'PRUNED') return 'continues';
      expect(t.attrs?.prunedAtStep).toBe(step);
      return 'pruned';
    };

    const a0 = await nextOn('host-a');
    const b0 = await nextOn('host-b');
    expect(await reach(a0, 2, 0.5)).toBe('continues'); // rung 0: [0.5]
    expect(await reach(b0, 2, 0.7)).toBe('pruned'); // rung 0: [.5 (host a), .7] -> best 1: .5
    const b1 = await nextOn('host-b');
    expect(await reach(b1, 2, 0.3)).toBe('continues'); // rung 0: [.5 .7 .3] -> .3
    expect(await reach(a0, 4, 0.4)).toBe('continues'); // rung 1: [.4]
    expect(await reach(b1, 4, 0.45)).toBe('pruned'); // rung 1: [.4 (host a), .45] -> .4
    const b2 = await nextOn('host-b');
    expect(await reach(b2, 2, 0.45)).toBe('continues'); // rung 0: [.5 .7 .3 .45] -> best 2: .3 .45
    expect(await reach(b2, 4, 0.35)).toBe('continues'); // rung 1: [.4 .45 .35] -> .35
    expect(await reach(a0, 8, 0.3)).toBe('continues'); // rung 2: [.3]
    say(a0, { value: 0.3 });
    await waitFor(async () => (await trial(a0)).state === 'COMPLETE', `trial ${a0} to complete`);
    const a1 = await nextOn('host-a');
    expect(await reach(a1, 2, 0.6)).toBe('pruned'); // rung 0: [.5 .7 .3 .45 (host b) .6] -> best 2: .3 .45
    expect(await reach(b2, 8, 0.35)).toBe('pruned'); // rung 2: [.3 (host a), .35] -> .3

    for (const w of workers) {
      const exit = await w.result;
      expect(exit.code, describeExit(exit)).toBe(0);
    }
    const trials = (await store.getTrials(study)).sort((x, y) => x.number - y.number);
    expect(trials.map((t) => [t.number, t.state, t.attrs?.prunedAtStep])).toEqual(
      [
        [a0, 'COMPLETE', undefined],
        [b0, 'PRUNED', 2],
        [b1, 'PRUNED', 4],
        [b2, 'PRUNED', 8],
        [a1, 'PRUNED', 2],
      ].sort((x, y) => (x[0] as number) - (y[0] as number)),
    );
    // every value reached the store; nothing after a prune did
    expect((await trial(b2)).intermediate?.map((p) => p.step)).toEqual([2, 3, 4, 5, 8]);
    expect((await store.getStudy(study))?.state).toBe('DONE');
  });
});
