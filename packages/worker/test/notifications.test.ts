import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { openEmbeddedStore, InputError, type StudySpec } from '@swarmtune/core';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Notifier, parseNotifyConfig, ResultsFiles, Worker, type Evaluator } from '../src/index.js';

const logger = pino({ level: 'silent' });
const SECRET = 'feishu-test-secret';

interface Received {
  path: string;
  body: Record<string, unknown>;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/**
 * Feishu's own reference for the custom bot signature (its docs' Python sample: HMAC-SHA256 keyed by
 * "timestamp\nsecret" over an empty message, base64), run by python3: a second implementation to check ours with.
 */
function feishuReferenceSigns(timestamps: string[], secret: string): string[] {
  const script = `
import base64, hashlib, hmac, json, sys
req = json.load(sys.stdin)
def gen_sign(timestamp, secret):
    string_to_sign = '{}\\n{}'.format(timestamp, secret)
    hmac_code = hmac.new(string_to_sign.encode('utf-8'), digestmod=hashlib.sha256).digest()
    return base64.b64encode(hmac_code).decode('utf-8')
print(json.dumps([gen_sign(t, req['secret']) for t in req['timestamps']]))
`;
  const res = spawnSync('python3', ['-c', script], { input: JSON.stringify({ timestamps, secret }), encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`python3 failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as string[];
}

/**
 * A local webhook receiver on 127.0.0.1:0: records every POST; /feishu answers like the Feishu bot API. The first
 * `failFirst` requests get HTTP 503 (a receiver that is briefly down).
 */
async function receiver(failFirst = 0): Promise<{ url: string; received: Received[]; refused: number }> {
  const received: Received[] = [];
  const state = { url: '', received, refused: 0 };
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      if (state.refused < failFirst) {
        state.refused++;
        res.writeHead(503).end();
        return;
      }
      received.push({ path: req.url ?? '', body: JSON.parse(text) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(req.url === '/feishu' ? '{"code":0,"msg":"success"}' : '{}');
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  state.url = `http://127.0.0.1:${port}`;
  return state;
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}/hook`;
}

const spec: StudySpec = {
  name: 'notify',
  objectives: [{ name: 'value', direction: 'maximize' }],
  searchSpace: { x: { _type: 'choice', _value: [1, 2, 3, 4] } },
  sampler: { name: 'grid' },
  limits: { maxTrials: 4 },
};
/** x = 4 (last in grid order) fails; the others are COMPLETE with value x. */
const evaluate: Evaluator = async ({ trial }) =>
  trial.params.x === 4 ? { state: 'FAIL', failReason: 'crashed', error: 'died' } : { state: 'COMPLETE', values: [trial.params.x as number] };

async function runWith(notifier: Notifier): Promise<void> {
  const store = await openEmbeddedStore('memory:');
  await store.createStudy(spec, Date.now());
  const files = new ResultsFiles({ study: spec.name, objectives: spec.objectives, listener: notifier });
  notifier.start();
  const summary = await new Worker({ store, studies: [spec.name], evaluate, logger, onEvent: (e) => files.onEvent(e) }).run();
  expect(summary.finished).toBe(4);
  await notifier.close();
  await store.close();
}

describe('notifications', () => {
  it('sends the selected events to a generic webhook and a signed Feishu bot', async () => {
    const { url, received } = await receiver();
    const config = parseNotifyConfig(
      {
        heartbeat: { everyTrials: 2 },
        channels: [
          { kind: 'webhook', urlEnv: 'HOOK_URL' },
          { kind: 'feishu', url: `${url}/feishu`, secretEnv: 'FEISHU_SECRET', events: ['best', 'done'] },
        ],
      },
      'notify',
      '.',
      { HOOK_URL: `${url}/generic`, FEISHU_SECRET: SECRET },
    );
    const notifier = new Notifier(config, spec.name, logger);
    await runWith(notifier);

    const generic = received.filter((r) => r.path === '/generic').map((r) => r.body);
    const events = generic.map((b) => b.event);
    expect(events[0]).toBe('start');
    expect(events.at(-1)).toBe('done');
    expect(events.filter((e) => e === 'best')).toHaveLength(3); // 1, 2, 3
    expect(events.filter((e) => e === 'trial_failed')).toHaveLength(1);
    expect(events.filter((e) => e === 'heartbeat')).toHaveLength(2);
    expect(events).not.toContain('trial_done');
    expect(generic.find((b) => b.event === 'trial_failed')).toMatchObject({ study: 'notify', data: { record: { status: 'crashed', params: { x: 4 } } } });

    const feishu = received.filter((r) => r.path === '/feishu').map((r) => r.body);
    expect(feishu).toHaveLength(4); // 3 best + done
    const timestamps = feishu.map((b) => b.timestamp as string);
    expect(feishu.map((b) => b.sign)).toEqual(feishuReferenceSigns(timestamps, SECRET));
    for (const body of feishu) {
      expect(body.msg_type).toBe('text');
      expect(body.timestamp).toMatch(/^\d{10}$/); // seconds, as a string
      // the bot rejects a timestamp more than an hour off
      expect(Math.abs(Number(body.timestamp) - Date.now() / 1000)).toBeLessThan(600);
    }
    // the secret itself never travels
    expect(JSON.stringify(received)).not.toContain(SECRET);
    expect(String((feishu.at(-1)!.content as { text: string }).text)).toContain('DONE');
    expect(notifier.stats).toEqual({ sent: generic.length + feishu.length, failed: 0 });
  });

  it('a message the receiver refused is delivered by a retry', async () => {
    const hook = await receiver(2);
    const config = parseNotifyConfig({ retries: 3, channels: [{ kind: 'webhook', url: `${hook.url}/generic`, events: ['start', 'done'] }] }, 'notify', '.');
    const notifier = new Notifier(config, spec.name, logger);
    await runWith(notifier);
    expect(hook.refused).toBe(2);
    expect(hook.received.map((r) => r.body.event)).toEqual(['start', 'done']);
    expect(notifier.stats).toEqual({ sent: 2, failed: 0 });
  });

  it('a receiver that is down costs retries and log lines, never the study', async () => {
    const down = await closedPortUrl();
    const config = parseNotifyConfig({ retries: 1, channels: [{ kind: 'webhook', url: down, events: ['start', 'done'] }] }, 'notify', '.');
    const notifier = new Notifier(config, spec.name, logger);
    await runWith(notifier);
    expect(notifier.stats).toEqual({ sent: 0, failed: 2 });
  });

  it('bad config names the field; a missing secret env var is an error, not a silent unsigned bot', () => {
    expect(() => parseNotifyConfig({ channels: [{ kind: 'slack', url: 'http://x' }] }, 'notify', '.')).toThrow(InputError);
    expect(() =>
      parseNotifyConfig({ channels: [{ kind: 'feishu', url: 'http://127.0.0.1:1/x', secretEnv: 'NOPE_SECRET' }] }, 'notify', '.', {}),
    ).toThrow(/notify\.channels\.0\.secret: the env var NOPE_SECRET is not set/);
    expect(() => parseNotifyConfig({ channels: [{ kind: 'webhook' }] }, 'notify', '.')).toThrow(/notify\.channels\.0\.url/);
  });
});
