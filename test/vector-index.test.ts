import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, requireBuild, runCli, tempDir } from './helpers/cli.js';
import { startRedisServer, type RedisServer } from './redis-harness.js';

// The example at a test size (2000 vectors instead of 50000); the experiment file is used as it is.
const exampleEnv = { VECTOR_INDEX_VECTORS: '2000', VECTOR_INDEX_QUERIES: '100', SWARMTUNE_LOG_LEVEL: 'warn' };

function runExample(store: string, out: string, cwd: string): Promise<{ code: number | null; output: string }> {
  requireBuild();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'examples/vector-index/run.mjs'), '--store', store, '--out', out], {
      cwd,
      env: { ...process.env, ...exampleEnv, SWARMTUNE_LOG_DIR: join(cwd, 'logs') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

interface TrialJson {
  number: number;
  state: string;
  reusedFrom?: number;
  workerId?: string;
  values?: { recall: number; qps: number };
  metrics?: Record<string, number>;
}

interface ParetoJson {
  complete: number;
  feasible: number;
  front: Array<{ number: number; values: { recall: number; qps: number } }>;
  note?: string;
}

/** Area dominated by maximized 2D points above `ref`, by a sweep written for this test. */
function area(points: Array<[number, number]>, ref: [number, number]): number {
  const sorted = points.filter(([x, y]) => x > ref[0] && y > ref[1]).sort((a, b) => b[0] - a[0]);
  let total = 0;
  let top = ref[1];
  for (const [x, y] of sorted) {
    if (y <= top) continue;
    total += (x - ref[0]) * (y - top);
    top = y;
  }
  return total;
}

async function checkRun(store: string): Promise<void> {
  const dir = tempDir('swarmtune-vector-index-');
  const out = join(dir, 'results');
  const run = await runExample(store, out, dir);
  expect(run.code, run.output).toBe(0);

  const trials = JSON.parse((await runCli(['study', 'trials', 'vector-index', '--json', '--store', store])).stdout) as TrialJson[];
  const ran = trials.filter((t) => t.state === 'COMPLETE' && t.reusedFrom === undefined);
  expect(ran).toHaveLength(24);
  expect(trials.some((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toBe(false);
  // two worker processes shared the study
  expect(new Set(ran.map((t) => t.workerId)).size).toBe(2);
  for (const t of ran) expect(t.values!.recall).toBe(t.metrics!.recall);

  const pareto = JSON.parse((await runCli(['report', 'pareto', '--study', 'vector-index', '--json', '--store', store])).stdout) as ParetoJson;
  // The front, by brute force: feasible trials (recall >= 0.9) that no other feasible trial dominates.
  const feasible = ran.filter((t) => t.values!.recall >= 0.9);
  const dominates = (b: TrialJson, a: TrialJson) =>
    b.values!.recall >= a.values!.recall && b.values!.qps >= a.values!.qps && (b.values!.recall > a.values!.recall || b.values!.qps > a.values!.qps);
  const expected = feasible.filter((a) => !feasible.some((b) => dominates(b, a))).map((t) => t.number);
  expect(pareto.front.map((t) => t.number).sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
  expect(pareto).toMatchObject({ complete: 24, feasible: feasible.length });
  if (feasible.length === 0) expect(pareto.note).toMatch(/none of the 24 COMPLETE trials met the constraints/);
  for (const t of pareto.front) expect(t.values.recall).toBeGreaterThanOrEqual(0.9);

  const csv = readFileSync(join(out, 'pareto.csv'), 'utf8').trim().split('\n');
  expect(csv[0]).toMatch(/^number,recall,qps,/);
  expect(csv.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(pareto.front.map((t) => t.number));
  const history = readFileSync(join(out, 'hypervolume.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
  expect(history.length).toBeGreaterThan(0);
  for (let i = 1; i < history.length; i++) expect(history[i]).toBeGreaterThanOrEqual(history[i - 1]!);
  const hv = JSON.parse((await runCli(['report', 'hypervolume', '--study', 'vector-index', '--json', '--store', store])).stdout) as { reference: [number, number] };
  const final = area(pareto.front.map((t) => [t.values.recall, t.values.qps]), hv.reference);
  expect(history.at(-1)).toBeCloseTo(final, 6);
  expect(readFileSync(join(out, 'hypervolume.svg'), 'utf8')).toMatch(/^<svg /);
  expect(readFileSync(join(out, 'pareto.svg'), 'utf8')).toMatch(/^<svg /);
}

describe('examples/vector-index (hnswlib-node, recall@10 vs qps, recall >= 0.9)', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('runs to the end with 2 workers on the file store', async () => {
    const dir = tempDir('swarmtune-vector-index-store-');
    await checkRun(`file:${join(dir, 'studies.jsonl')}`);
  });

  it('runs to the end with 2 workers on Redis', async () => {
    await checkRun(redis.url);
  });
});
