import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, type ObjectiveSpec, type Params } from '@swarmtune/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isPortOpen,
  isProcessGroupAlive,
  parseServiceObjective,
  runServiceTrial,
  toServiceTrialResult,
  type ServiceTrialOutcome,
} from '../src/index.js';
import { processesWithEnv, processGone, processRunning, tempDir, waitFor } from './helpers.js';

const exampleDir = fileURLToPath(new URL('../../../examples/service-tuning/', import.meta.url));
const objectives: ObjectiveSpec[] = [{ name: 'tokens_per_s', direction: 'maximize' }];
const METRICS = {
  accuracy: 'Accuracy \\(RougeL-F1 mean, RAW\\): ([0-9.]+)',
  tokens_per_s: '\\(prompt\\+answer\\)_tokens/s=([0-9.]+)',
  total_time: 'Total time: ([0-9.]+)s',
};

let dir: string;
let cleanup: () => void;
let port: number;
/** Every process of the service (and of the eval runs) inherits it: the test finds them all by it in /proc. */
let marker: string;
const foreign: ChildProcess[] = [];
beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  port = await freePort();
  marker = randomUUID();
});
afterEach(() => {
  for (const p of foreign.splice(0)) p.kill('SIGKILL');
  cleanup();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: p } = server.address() as { port: number };
      server.close(() => resolve(p));
    });
  });
}

/** True when this process can listen on the port: nothing holds it any more. */
function canBind(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(p, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function spec(extra: Record<string, unknown> = {}) {
  return parseServiceObjective({
    type: 'service',
    start: [process.execPath, 'service.mjs'],
    cwd: exampleDir,
    env: { PORT: port, EVAL_REQUESTS: 5, ENGINE_WORKERS: 2, TEST_MARKER: marker },
    paramsAsEnv: true,
    port,
    startupTimeoutSeconds: 30,
    eval: [process.execPath, 'eval.mjs'],
    evalRuns: 2,
    evalTimeoutSeconds: 60,
    metrics: METRICS,
    killGraceSeconds: 2,
    ...extra,
  });
}

async function run(params: Params, extra: Record<string, unknown> = {}, onProgress: (message: string) => void = () => undefined): Promise<ServiceTrialOutcome> {
  return runServiceTrial(spec(extra), { params, trialNumber: 1, study: 'svc', trialId: 't1', baseDir: dir, logDir: dir, objectives, onProgress });
}

/** The pids the service printed in its own log: its own and its engine workers'. */
function pidsInServiceLog(): number[] {
  const log = join(dir, 'trial-1.service.log');
  if (!existsSync(log)) return [];
  return [...readFileSync(log, 'utf8').matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
}

/**
 * After every trial, checked independently of what the runner reports: no process that the service printed (itself
 * and its 2 engine workers) still runs, no process at all carries this test's env marker, and the port can be taken.
 */
async function expectCleanedUp(outcome: ServiceTrialOutcome): Promise<void> {
  const pids = pidsInServiceLog();
  expect(pids).toHaveLength(3);
  expect(pids[0]).toBe(outcome.servicePid);
  for (const pid of pids) expect(processRunning(pid), `pid ${pid} of the service still runs`).toBe(false);
  expect(processesWithEnv('TEST_MARKER', marker)).toEqual([]);
  expect(isProcessGroupAlive(outcome.servicePid!)).toBe(false);
  expect(outcome.portFree).toBe(true);
  expect(await canBind(port)).toBe(true);
}

/** A process swarmtune did not start, listening on the port; `node -e` so its command line is recognisable. */
async function foreignListener(tag: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['-e', `require('net').createServer(s=>s.end()).listen(${port},'127.0.0.1',()=>console.log('up'))`, tag],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  foreign.push(child);
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  return child;
}

describe('service trials with the example service', () => {
  it('a good configuration is ok, with means over the runs and per-run stats', async () => {
    const seenWhileReady: number[][] = [];
    const outcome = await run({ MAX_BATCH: 8, QUANT: 'fp16' }, {}, (m) => {
      if (m === 'service ready') seenWhileReady.push(processesWithEnv('TEST_MARKER', marker));
    });
    // While it ran, the marker found the service and its 2 engine workers: the clean-up check below can fail.
    expect(seenWhileReady).toHaveLength(1);
    expect(seenWhileReady[0]!.sort()).toEqual(pidsInServiceLog().sort());
    expect(outcome.error).toBeUndefined();
    expect(outcome).toMatchObject({ status: 'ok', phase: 'eval', state: 'COMPLETE', okRuns: 2 });
    expect(outcome.runs).toHaveLength(2);
    expect(outcome.metrics.accuracy).toBeCloseTo(0.9, 4);
    expect(outcome.values![0]).toBeGreaterThan(0);
    expect(outcome.values![0]).toBeCloseTo(outcome.metrics.tokens_per_s!, 6);
    // mean, min, max and (population) std of the per-run metrics
    const perRun = outcome.runs.map((r) => r.metrics.tokens_per_s!);
    const mean = (perRun[0]! + perRun[1]!) / 2;
    expect(outcome.metricStats.tokens_per_s).toEqual({
      runs: 2,
      mean: expect.closeTo(mean, 9),
      min: Math.min(...perRun),
      max: Math.max(...perRun),
      std: expect.closeTo(Math.abs(perRun[0]! - perRun[1]!) / 2, 9),
    });
    expect(outcome.metrics.tokens_per_s).toBeCloseTo(mean, 9);
    const result = toServiceTrialResult(outcome);
    expect(result).toMatchObject({ state: 'COMPLETE', attrs: { status: 'ok', phase: 'eval', okRuns: 2, evalRuns: 2 } });
    await expectCleanedUp(outcome);
  });

  it('a service that dies at startup is crashed in phase startup, with its last output', async () => {
    const outcome = await run({ MAX_BATCH: 8, MEM_UTIL: 0.99 });
    expect(outcome).toMatchObject({ status: 'crashed', phase: 'startup', state: 'FAIL', failReason: 'crashed' });
    expect(outcome.error).toContain('CUDA out of memory');
    expect(outcome.runs).toHaveLength(0);
    await expectCleanedUp(outcome);
  });

  it('a service slower than startupTimeoutSeconds is timeout in phase startup and is stopped', async () => {
    const outcome = await run({ MAX_BATCH: 8, WARMUP_MS: 600_000 }, { startupTimeoutSeconds: 1 });
    expect(outcome).toMatchObject({ status: 'timeout', phase: 'startup', state: 'FAIL', failReason: 'timeout' });
    expect(outcome.servicePid).toBeGreaterThan(1);
    await expectCleanedUp(outcome);
  });

  it('a failing eval run gives partial: COMPLETE on the good runs, with the count', async () => {
    // 5 requests per run, every 10th fails: run 2 fails, runs 1 and 3 succeed.
    const outcome = await run({ MAX_BATCH: 8, FLAKY_EVERY: 10 }, { evalRuns: 3 });
    expect(outcome).toMatchObject({ status: 'partial', phase: 'eval', state: 'COMPLETE', okRuns: 2 });
    expect(outcome.runs.map((r) => r.ok)).toEqual([true, false, true]);
    expect(outcome.runs[1]).toMatchObject({ failReason: 'error', exitCode: 1 });
    expect(outcome.metricStats.accuracy!.runs).toBe(2);
    expect(toServiceTrialResult(outcome)).toMatchObject({ state: 'COMPLETE', attrs: { status: 'partial', okRuns: 2, evalRuns: 3 } });
    await expectCleanedUp(outcome);
  });

  it('a service that dies during an eval run is crashed in phase eval', async () => {
    // 5 requests per run: the 7th request (in run 2) kills it
    const outcome = await run({ MAX_BATCH: 8, CRASH_AFTER: 7 }, { evalRuns: 3 });
    expect(outcome).toMatchObject({ status: 'crashed', phase: 'eval', state: 'FAIL', failReason: 'crashed', okRuns: 1 });
    expect(outcome.runs.map((r) => r.ok)).toEqual([true, false]);
    expect(outcome.error).toMatch(/during eval run 2\/3[\s\S]*segfault at request 7/);
    await expectCleanedUp(outcome);
  });

  it('a TCP readiness probe waits for the port to accept connections', async () => {
    const outcome = await run({ MAX_BATCH: 8, WARMUP_MS: 500 }, { ready: { tcp: true }, evalRuns: 1 });
    expect(outcome).toMatchObject({ status: 'ok', phase: 'eval', okRuns: 1 });
    await expectCleanedUp(outcome);
  });

  it('a busy port is waited for, then the trial runs', async () => {
    const holder = await foreignListener('busy-then-gone');
    const progress: string[] = [];
    const trial = run({ MAX_BATCH: 4 }, { portBusyRetries: 100, portBusyWaitSeconds: 0.2, evalRuns: 1 }, (m) => progress.push(m));
    await waitFor(() => progress.includes('port busy, waiting'), 'the runner to report the busy port', 30_000);
    holder.kill('SIGTERM');
    const outcome = await trial;
    expect(outcome.status).toBe('ok');
    await expectCleanedUp(outcome);
  });

  it('never kills a foreign process on the port without portBusyKill, nor one that does not match its pattern', async () => {
    const holder = await foreignListener('foreign-keep-me');
    const outcome = await run({ MAX_BATCH: 4 }, { portBusyRetries: 1, portBusyWaitSeconds: 0.1 });
    expect(outcome).toMatchObject({ status: 'failed', phase: 'startup', state: 'FAIL', failReason: 'error' });
    expect(outcome.error).toContain(`port ${port}`);
    expect(outcome.error).toContain(String(holder.pid));
    expect(outcome.servicePid).toBeUndefined();
    expect(pidsInServiceLog()).toEqual([]);
    expect(processGone(holder.pid!)).toBe(false);

    const notMatching = await run({ MAX_BATCH: 4 }, { portBusyRetries: 1, portBusyWaitSeconds: 0.1, portBusyKill: { commandPattern: 'uvicorn serve:app' } });
    expect(notMatching.status).toBe('failed');
    expect(processGone(holder.pid!)).toBe(false);
    expect(await isPortOpen('127.0.0.1', port)).toBe(true);
  });

  it('with portBusyKill, stops a leftover listener whose command line matches, then runs', async () => {
    const holder = await foreignListener('leftover-service-xyz');
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    const outcome = await run({ MAX_BATCH: 4 }, { evalRuns: 1, portBusyKill: { commandPattern: 'leftover-service-x+yz' } });
    expect(outcome.status).toBe('ok');
    await exited;
    await expectCleanedUp(outcome);
  });
});

describe('service objective schema', () => {
  it('names the bad field', () => {
    expect(() => parseServiceObjective({ type: 'service', start: 'x', eval: 'y' })).toThrow(/objective\.port/);
    expect(() => spec({ ready: { path: 'health' } })).toThrow(InputError);
    expect(() => spec({ portBusyKill: { commandPattern: '(' } })).toThrow(/objective\.portBusyKill\.commandPattern/);
    expect(() => spec({ evalRun: 3 })).toThrow(/objective\.evalRun: unknown field/);
  });
});
