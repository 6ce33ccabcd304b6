import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

interface ParetoJson {
  complete: number;
  feasible: number;
  front: Array<{ number: number; values: { recall: number; qps: number } }>;
  note?: string;
}

async function checkRun(store: string): Promise<void> {
  const dir = tempDir('swarmtune-vector-index-');
  const out = join(dir, 'results');
  const run = await runExample(store, out, dir);
  expect(run.code, run.output).toBe(0);

  const trials = JSON.parse((await runCli(['study', 'trials', 'vector-index', '--json', '--store', store])).stdout) as Array<{ state: string; reusedFrom?: number }>;
  expect(trials.filter((t) => t.state === 'COMPLETE' && t.reusedFrom === undefined)).toHaveLength(24);
  expect(trials.some((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toBe(false);

  const pareto = JSON.parse((await runCli(['report', 'pareto', '--study', 'vector-index', '--json', '--store', store])).stdout) as ParetoJson;
  if (pareto.front.length === 0) expect(pareto.note).toMatch(/met the constraints/);
  for (const t of pareto.front) expect(t.values.recall).toBeGreaterThanOrEqual(0.9);
  // Nothing on the front is dominated by another front member.
  for (const a of pareto.front) {
    for (const b of pareto.front) {
      const dominated = b.values.recall >= a.values.recall && b.values.qps >= a.values.qps && (b.values.recall > a.values.recall || b.values.qps > a.values.qps);
      expect(dominated, `#${b.number} dominates #${a.number}`).toBe(false);
    }
  }
  const csv = readFileSync(join(out, 'pareto.csv'), 'utf8').trim().split('\n');
  expect(csv[0]).toMatch(/^number,recall,qps,/);
  expect(csv).toHaveLength(pareto.front.length + 1);
  const history = readFileSync(join(out, 'hypervolume.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
  expect(history.length).toBeGreaterThan(0);
  for (let i = 1; i < history.length; i++) expect(history[i]).toBeGreaterThanOrEqual(history[i - 1]!);
  expect(readFileSync(join(out, 'hypervolume.svg'), 'utf8')).toMatch(/^<svg /);
  expect(existsSync(join(out, 'pareto.svg'))).toBe(true);
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
