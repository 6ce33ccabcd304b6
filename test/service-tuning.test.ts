import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processesWithEnv } from '../packages/runner/test/helpers.js';
import { repoRoot, runCli, startCli, tempDir } from './helpers/cli.js';

const exampleDir = join(repoRoot, 'examples/service-tuning');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createTcpServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const received: Array<{ path: string; body: Record<string, unknown> }> = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    received.push({ path: req.url ?? '', body: JSON.parse(body) });
    res.end(req.url === '/feishu' ? '{"code":0,"msg":"success"}' : '{}');
  });
});
beforeAll(() => new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r)));
afterAll(() => new Promise((r) => receiver.close(r)));

describe('swarmtune run with the service-tuning example', () => {
  it('coordinate ascent over the example service; results/best/status; --skip-existing reruns nothing', async () => {
    const dir = tempDir();
    const port = await freePort();
    const marker = randomUUID();
    const experiment = readFileSync(join(exampleDir, 'experiment.yaml'), 'utf8')
      .replaceAll('18731', String(port))
      .replace(/MAX_BATCH: \{ _type: choice, _value: \[[^\]]*\] \}/, 'MAX_BATCH: { _type: choice, _value: [8, 16] }')
      .replace(/QUANT: \{ _type: choice, _value: \[[^\]]*\] \}/, 'QUANT: { _type: choice, _value: [fp16] }')
      .replace(/MEM_UTIL: \{ _type: choice, _value: \[[^\]]*\] \}/, 'MEM_UTIL: { _type: choice, _value: [0.9, 0.99] }')
      .replace('evalRuns: 3', 'evalRuns: 1')
      .replace('EVAL_REQUESTS: 8 }', `EVAL_REQUESTS: 8, ENGINE_WORKERS: 1, TEST_MARKER: ${marker} }`)
      .replace('type: service', `type: service\n  cwd: ${JSON.stringify(exampleDir)}`);
    expect(experiment).toContain(marker);
    writeFileSync(join(dir, 'experiment.yaml'), experiment);
    const { port: hookPort } = receiver.address() as { port: number };
    const hookUrl = `http://127.0.0.1:${hookPort}/hook`;
    const feishuUrl = `http://127.0.0.1:${hookPort}/feishu`;
    const feishuSecret = `secret-${randomUUID()}`;
    writeFileSync(
      join(dir, 'notify.yaml'),
      'notify:\n  channels:\n    - { kind: webhook, urlEnv: TEST_HOOK_URL }\n' +
        '    - { kind: feishu, urlEnv: TEST_FEISHU_URL, secretEnv: TEST_FEISHU_SECRET, events: [done] }\n',
    );
    const files = { results: join(dir, 'results.jsonl'), best: join(dir, 'best.json'), status: join(dir, 'status.json') };
    const args = ['run', join(dir, 'experiment.yaml'), '--store', 'memory:', '--results', files.results, '--best', files.best, '--status', files.status, '--notify', join(dir, 'notify.yaml')];
    // debug logs: the check that URLs (tokens) and secrets stay out of them covers every log line
    const env = { TEST_HOOK_URL: hookUrl, TEST_FEISHU_URL: feishuUrl, TEST_FEISHU_SECRET: feishuSecret, SWARMTUNE_LOG_DIR: join(dir, 'logs'), SWARMTUNE_LOG_LEVEL: 'debug' };

    // status.json is read over and over while the run writes it: every read is whole JSON (written atomically)
    const run = startCli(args, { env });
    let exited = false;
    void run.result.then(() => (exited = true));
    const statusReads: Array<{ state: string; running: Array<{ trial: number; trialKey: string; params: Record<string, unknown> }> }> = [];
    while (!exited) {
      if (existsSync(files.status)) statusReads.push(JSON.parse(readFileSync(files.status, 'utf8')));
      await new Promise((r) => setTimeout(r, 5));
    }
    const first = await run.result;
    expect(first.code, first.stderr).toBe(0);
    for (const secret of [hookUrl, feishuUrl, `127.0.0.1:${hookPort}/`, feishuSecret]) {
      expect(first.stderr + first.stdout).not.toContain(secret);
    }
    expect(first.stderr).toContain('"msg":"service ready"'); // debug/info lines were written
    const live = statusReads.filter((st) => st.state === 'running' && st.running.length === 1);
    expect(live.length).toBeGreaterThan(0);
    for (const st of live) expect(st.running[0]!.trialKey).toBe(JSON.stringify(st.running[0]!.params));
    // no process of any service (nor its engine worker) is left
    expect(processesWithEnv('TEST_MARKER', marker)).toEqual([]);

    const lines = () => readFileSync(files.results, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const records = lines();
    // base (8, 0.9), MEM_UTIL 0.99 (crashes at startup), then MAX_BATCH 16 from the better MEM_UTIL
    expect(records.map((r) => [r.params.MAX_BATCH, r.params.MEM_UTIL, r.status])).toEqual([
      [8, 0.9, 'ok'],
      [8, 0.99, 'crashed'],
      [16, 0.9, 'ok'],
    ]);
    for (const r of records) {
      const sorted = Object.fromEntries(Object.keys(r.params).sort().map((k) => [k, r.params[k]]));
      expect(r.trialKey).toBe(JSON.stringify(sorted));
      expect(r.study).toBe('service-tuning');
      expect(Date.parse(r.finishedAt)).toBeGreaterThanOrEqual(Date.parse(r.startedAt));
    }
    expect(records[0]).toMatchObject({ state: 'COMPLETE', phase: 'eval', okRuns: 1, evalRuns: 1, metrics: { accuracy: 0.9 } });
    expect(records[0].values[0]).toBe(records[0].metrics.tokens_per_s);
    expect(records[1]).toMatchObject({ state: 'FAIL', phase: 'startup', failReason: 'crashed', okRuns: 0, evalRuns: 0 });
    expect(records[1].error).toMatch(/before it was ready/);
    // measured throughput is noisy on a busy machine: the best file holds the params of the faster ok trial
    const fastest = records.filter((r) => r.status === 'ok').sort((a, b) => b.values[0] - a.values[0])[0];
    expect(JSON.parse(readFileSync(files.best, 'utf8'))).toEqual(fastest.params);
    expect(JSON.parse(readFileSync(files.status, 'utf8'))).toMatchObject({
      state: 'ended',
      studyState: 'DONE',
      finished: 3,
      counts: { ok: 2, crashed: 1 },
      running: [],
      best: { trial: fastest.trial, params: fastest.params },
      last: { trial: 2 },
    });
    const hook = received.filter((m) => m.path === '/hook').map((m) => m.body.event);
    const bests = records[2].values[0] > records[0].values[0] ? 2 : 1;
    expect(hook).toEqual(['start', 'best', 'trial_failed', ...(bests === 2 ? ['best'] : []), 'done']);
    const feishu = received.filter((m) => m.path === '/feishu').map((m) => m.body);
    expect(feishu).toHaveLength(1);
    expect(feishu[0]).toMatchObject({ msg_type: 'text', sign: expect.any(String) });

    const second = await runCli([...args, '--skip-existing'], { env });
    expect(second.code, second.stderr).toBe(0);
    // the second run starts from best.json (seed 003), so it may try a new key; it never reruns a finished one
    const after = lines();
    expect(after.slice(0, 3)).toEqual(records);
    expect(new Set(after.map((r) => r.trialKey)).size).toBe(after.length);
  });
});
