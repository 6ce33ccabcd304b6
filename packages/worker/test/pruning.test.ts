import { mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedStore, StudyClient, type Store, type StudySpec, type Trial } from '@swarmtune/core';
import pino from 'pino';
import { processRunning } from '../../runner/test/helpers.js';
import { TrialPruning, Worker, commandEvaluator } from '../src/index.js';

const logger = pino({ level: 'silent' });
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'swarmtune-pruning-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function openFileStore(path: string): Promise<Store> {
  const store = await openEmbeddedStore(`file:${path}`);
  cleanups.push(() => store.close());
  return store;
}

describe('ASHA across two workers', () => {
  it('promotes and stops trials at each rung from every worker\'s values in the store', async () => {
    const path = join(tempDir(), 'studies.jsonl');
    const spec: StudySpec = {
      name: 'asha',
      objectives: [{ name: 'loss', direction: 'minimize' }],
      searchSpace: { x: { _type: 'uniform', _value: [0, 1] } },
      sampler: { name: 'random' },
      limits: { maxTrials: 20 },
      pruner: { name: 'asha', options: { minResource: 1, reductionFactor: 2 } },
    };
    // Two store handles, as two worker processes would have; each worker sees the other's values only via the file.
    const storeA = await openFileStore(path);
    const storeB = await openFileStore(path);
    await storeA.createStudy(spec, Date.now());
    const workerA = await StudyClient.open(storeA, 'asha', { worker: { host: 'h', workerId: 'A', pid: 1 } });
    const workerB = await StudyClient.open(storeB, 'asha', { worker: { host: 'h', workerId: 'B', pid: 2 } });
    const never = new AbortController().signal;

    const start = async (client: StudyClient) => {
      const res = await client.ask();
      if (res.kind !== 'trial') throw new Error(`expected a trial, got ${res.kind}`);
      return { trial: res.trial, pruning: TrialPruning.for(client, res.trial, never, logger) };
    };
    const report = async (run: { pruning: TrialPruning }, step: number, value: number) => {
      run.pruning.onIntermediate({ step, value });
      await run.pruning.settled();
      return run.pruning.pruned ? 'pruned' : 'continues';
    };

    // Rungs at steps 1, 2, 4, ...; a trial goes on when it is within the best floor(n / 2) of the n trials that
    // reached the rung (the best one while n < 2).
    const t0 = await start(workerA);
    const t1 = await start(workerB);
    expect(await report(t0, 0, 0.9)).toBe('continues'); // step 0: below the first rung, nothing to decide
    expect(await report(t0, 1, 0.5)).toBe('continues'); // rung 0: [0.5] -> best
    expect(await report(t1, 1, 0.7)).toBe('pruned'); // rung 0 on B: [0.5 (A), 0.7] -> top 1 is 0.5
    const t2 = await start(workerB);
    expect(await report(t2, 1, 0.3)).toBe('continues'); // [0.5, 0.7, 0.3] -> top 1 is 0.3
    const t3 = await start(workerA);
    expect(await report(t3, 1, 0.45)).toBe('continues'); // [.5 .7 .3 .45] -> top 2: 0.3, 0.45
    const t4 = await start(workerB);
    expect(await report(t4, 1, 0.5)).toBe('pruned'); // [.5 .7 .3 .45 .5] -> top 2: 0.3, 0.45
    expect(await report(t0, 2, 0.4)).toBe('continues'); // rung 1: [0.4] -> best
    expect(await report(t2, 3, 0.35)).toBe('continues'); // rung 1 reached at step 3 (first step >= 2): [0.4, 0.35]
    expect(await report(t3, 2, 0.38)).toBe('pruned'); // rung 1: [0.4, 0.35, 0.38] -> top 1 is 0.35
    expect(await report(t0, 3, 0.39)).toBe('continues'); // between rungs: nothing to decide
    expect(await report(t0, 4, 0.2)).toBe('continues'); // rung 2: [0.2]
    expect(await report(t2, 4, 0.25)).toBe('pruned'); // rung 2 on B: [0.2 (A), 0.25] -> top 1 is 0.2

    // Every value went to the store, also those of pruned trials.
    const stored = await storeA.getTrials('asha');
    const byId = (t: Trial) => stored.find((s) => s.id === t.id)!;
    expect(byId(t0.trial).intermediate?.map((p) => p.step)).toEqual([0, 1, 2, 3, 4]);
    expect(byId(t1.trial).intermediate).toEqual([{ step: 1, value: 0.7 }]);

    // The process of a pruned trial may print more steps before the stop reaches it: the recorded result keeps
    // only the values up to the judged one, like the worker ignores late ones.
    const stopped = { state: 'FAIL' as const, failReason: 'interrupted' as const, intermediate: [{ step: 1, value: 0.7 }, { step: 2, value: 0.6 }] };
    expect(t1.pruning.toResult(stopped, never)).toMatchObject({ state: 'PRUNED', intermediate: [{ step: 1, value: 0.7 }], attrs: { prunedAtStep: 1 } });
  });
});

describe('pruning a command trial', () => {
  it('stops the pruned command\'s whole process group and records the trial PRUNED', async () => {
    const dir = tempDir();
    const pgidFile = join(dir, 'pgid');
    const script = join(dir, 'objective.mjs');
    // Reports 5 steps of `level`; the bad configuration first starts a child in its process group, and never ends.
    writeFileSync(
      script,
      `import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const level = Number(process.env.SWARMTUNE_PARAM_LEVEL);
if (level > 0.5) {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  writeFileSync(${JSON.stringify(pgidFile)}, String(process.pid) + ' ' + child.pid);
}
for (let step = 0; step < 5; step++) console.log(JSON.stringify({ step, value: level }));
if (level > 0.5) setInterval(() => console.log(JSON.stringify({ step: 99, value: level })), 200);
else console.log(JSON.stringify({ value: level }));
`,
    );
    const store = await openFileStore(join(dir, 'studies.jsonl'));
    const spec: StudySpec = {
      name: 'prune',
      objectives: [{ name: 'value', direction: 'minimize' }],
      searchSpace: { level: { _type: 'choice', _value: [0.1, 0.9] } },
      sampler: { name: 'random' },
      limits: { maxTrials: 2 },
      pruner: { name: 'median', options: { nStartupTrials: 1 } },
      objective: { type: 'command', command: [process.execPath, script], timeoutSeconds: 120, killGraceSeconds: 2 },
    };
    await store.createStudy(spec, Date.now());
    // Enqueued in order: the good configuration completes first, then the bad one is judged against it.
    await store.enqueueTrial('prune', { level: 0.1 }, null, Date.now());
    await store.enqueueTrial('prune', { level: 0.9 }, null, Date.now());
    const worker = new Worker({
      store,
      studies: ['prune'],
      evaluate: commandEvaluator({ logDir: join(dir, 'logs') }),
      logger,
      pollIntervalMs: 20,
    });
    const summary = await worker.run();

    const trials = await store.getTrials('prune');
    expect(trials.map((t) => [t.params.level, t.state])).toEqual([
      [0.1, 'COMPLETE'],
      [0.9, 'PRUNED'],
    ]);
    expect(trials[1]!.attrs?.prunedAtStep).toBe(0);
    expect(trials[1]!.intermediate?.[0]).toEqual({ step: 0, value: 0.9 });
    expect(summary.byState).toEqual({ COMPLETE: 1, PRUNED: 1 });
    // By the time the trial is recorded, the pruned command and the child it started in its group are gone (dead
    // or a zombie left for init to reap), as /proc tells.
    expect(existsSync(pgidFile)).toBe(true);
    const [pid, childPid] = readFileSync(pgidFile, 'utf8').split(' ').map(Number);
    expect(processRunning(pid!)).toBe(false);
    expect(processRunning(childPid!)).toBe(false);
  });
});
