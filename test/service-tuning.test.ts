import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempDir } from './helpers/cli.js';

const exampleDir = join(repoRoot, 'examples/service-tuning');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createTcpServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const received: Array<{ event: string; text: string }> = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    received.push(JSON.parse(body));
    res.end('{}');
  });
});
beforeAll(() => new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r)));
afterAll(() => new Promise((r) => receiver.close(r)));

describe('swarmtune run with the service-tuning example', () => {
  it('coordinate ascent over the example service; results/best/status; --skip-existing reruns nothing', async () => {
    const dir = tempDir();
    const port = await freePort();
    const experiment = readFileSync(join(exampleDir, 'experiment.yaml'), 'utf8')
      .replaceAll('18731', String(port))
      .replace(/MAX_BATCH: \{ _type: choice, _value: \[[^\]]*\] \}/, 'MAX_BATCH: { _type: choice, _value: [8, 16] }')
      .replace(/QUANT: \{ _type: choice, _value: \[[^\]]*\] \}/, 'QUANT: { _type: choice, _value: [fp16] }')
      .replace(/MEM_UTIL: \{ _type: choice, _value: \[[^\]]*\] \}/, 'MEM_UTIL: { _type: choice, _value: [0.9, 0.99] }')
      .replace('evalRuns: 3', 'evalRuns: 1')
      .replace('type: service', `type: service\n  cwd: ${JSON.stringify(exampleDir)}`);
    writeFileSync(join(dir, 'experiment.yaml'), experiment);
    const { port: hookPort } = receiver.address() as { port: number };
    writeFileSync(join(dir, 'notify.yaml'), `notify:\n  channels:\n    - { kind: webhook, urlEnv: TEST_HOOK_URL }\n`);
    const args = ['run', join(dir, 'experiment.yaml'), '--store', 'memory:', '--results', join(dir, 'results.jsonl'), '--best', join(dir, 'best.json'), '--status', join(dir, 'status.json'), '--notify', join(dir, 'notify.yaml')];
    const env = { TEST_HOOK_URL: `http://127.0.0.1:${hookPort}/hook`, SWARMTUNE_LOG_DIR: join(dir, 'logs') };

    const first = await runCli(args, { env });
    expect(first.stderr).not.toContain(`127.0.0.1:${hookPort}/hook`); // URLs (tokens) stay out of the logs
    expect(first.code, first.stderr).toBe(0);
    const lines = () => readFileSync(join(dir, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const records = lines();
    // base (8, 0.9), MEM_UTIL 0.99 (crashes at startup), then MAX_BATCH 16 from the better MEM_UTIL
    expect(records.map((r) => [r.params.MAX_BATCH, r.params.MEM_UTIL, r.status])).toEqual([
      [8, 0.9, 'ok'],
      [8, 0.99, 'crashed'],
      [16, 0.9, 'ok'],
    ]);
    expect(records[1]).toMatchObject({ phase: 'startup', failReason: 'crashed' });
    // measured throughput is noisy on a busy machine: the best file holds the params of the faster ok trial
    const fastest = records.filter((r) => r.status === 'ok').sort((a, b) => b.values[0] - a.values[0])[0];
    expect(JSON.parse(readFileSync(join(dir, 'best.json'), 'utf8'))).toEqual(fastest.params);
    expect(JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8'))).toMatchObject({ state: 'ended', finished: 3, counts: { ok: 2, crashed: 1 } });
    const events = received.map((m) => m.event);
    expect(events[0]).toBe('start');
    expect(events).toContain('best');
    expect(events).toContain('trial_failed');
    expect(events.at(-1)).toBe('done');

    const second = await runCli([...args, '--skip-existing'], { env });
    expect(second.code, second.stderr).toBe(0);
    // the second run starts from best.json (seed 003), so it may try a new key; it never reruns a finished one
    const after = lines();
    expect(after.slice(0, 3)).toEqual(records);
    expect(new Set(after.map((r) => r.trialKey)).size).toBe(after.length);
  });
});
