import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
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
import { processGone, tempDir, waitFor } from './helpers.js';

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
const foreign: ChildProcess[] = [];
beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  port = await freePort();
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
    env: { PORT: port, EVAL_REQUESTS: 5 },
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

async function run(params: Params, extra: Record<string, unknown> = {}, progress: string[] = []): Promise<ServiceTrialOutcome> {
  return runServiceTrial(spec(extra), {
    params,
    trialNumber: 1,
    study: 'svc',
    trialId: 't1',
    baseDir: dir,
    logDir: dir,
    objectives,
    onProgress: (m) => progress.push(m),
  });
}

/** After every trial: the service's process (group) is gone and the port can be taken again. */
async function expectCleanedUp(outcome: ServiceTrialOutcome): Promise<void> {
  if (outcome.servicePid !== undefined) {
    expect(processGone(outcome.servicePid)).toBe(true);
    expect(isProcessGroupAlive(outcome.servicePid)).toBe(false);
  }
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
    const outcome = await run({ MAX_BATCH: 8, QUANT: 'fp16' });
    expect(outcome.error).toBeUndefined();
    expect(outcome).toMatchObject({ status: 'ok', phase: 'eval', state: 'COMPLETE', okRuns: 2 });
    expect(outcome.runs).toHaveLength(2);
    expect(outcome.metrics.accuracy).toBeCloseTo(0.9, 4);
    expect(outcome.values![0]).toBeGreaterThan(0);
    expect(outcome.values![0]).toBeCloseTo(outcome.metrics.tokens_per_s!, 6);
    const stats = outcome.metricStats.tokens_per_s!;
    expect(stats.runs).toBe(2);
    expect(stats.min).toBeLessThanOrEqual(stats.mean);
    expect(stats.max).toBeGreaterThanOrEqual(stats.mean);
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

  it('a busy port is waited for, then the trial runs', async () => {
    const holder = await foreignListener('busy-then-gone');
    const progress: string[] = [];
    const trial = run({ MAX_BATCH: 4 }, { portBusyRetries: 100, portBusyWaitSeconds: 0.2, evalRuns: 1 }, progress);
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
