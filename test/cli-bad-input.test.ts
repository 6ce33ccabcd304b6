import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';

const good = `
name: bad-input
searchSpace:
  x: { _type: uniform, _value: [0, 1] }
objective:
  type: command
  command: >-
    echo '{"value": 1}'
`;

function experiment(text: string): { dir: string; file: string } {
  const dir = tempDir();
  const file = join(dir, 'experiment.yaml');
  writeFileSync(file, text);
  return { dir, file };
}

async function expectBadInput(text: string, ...mustMention: string[]) {
  const { dir, file } = experiment(text);
  const store = `file:${join(dir, 'store.jsonl')}`;
  const res = await runCli(['run', file, '--store', store]);
  expect(res.code, res.stderr).toBe(2);
  const lines = res.stderr.trim().split('\n');
  expect(lines.length, res.stderr).toBe(1);
  for (const m of mustMention) expect(res.stderr).toContain(m);
  // nothing was stored: the journal was not even created, or holds no study
  const list = await runCli(['study', 'list', '--json', '--store', store]);
  expect(JSON.parse(list.stdout)).toEqual([]);
}

describe('bad input: exit code 2 and one message naming the field', () => {
  it('the good file runs (control)', async () => {
    const { dir, file } = experiment(`${good}limits: { maxTrials: 2 }\n`);
    const res = await runCli(['run', file, '--store', `file:${join(dir, 's.jsonl')}`]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('best trial');
  });

  it('unknown _type', () => expectBadInput(good.replace('_type: uniform', '_type: gaussian'), 'searchSpace', 'x', 'gaussian'));

  it('low > high', () => expectBadInput(good.replace('[0, 1]', '[1, 0]'), 'searchSpace', 'x'));

  it('empty choice', () =>
    expectBadInput(good.replace('x: { _type: uniform, _value: [0, 1] }', 'x: { _type: choice, _value: [] }'), 'searchSpace', 'x'));

  it('missing objective', () => expectBadInput(good.split('objective:')[0]!, 'objective', 'required'));

  it('objective of an unknown type', () => expectBadInput(good.replace('type: command', 'type: telepathy'), 'objective'));

  it('bad YAML', () => expectBadInput(`${good}\n  - : : [`, 'experiment.yaml', 'YAML'));

  it('unknown field (a typo)', () => expectBadInput(`${good}maxTrails: 3\n`, 'maxTrails'));

  it('unsupported NNI tuner', () =>
    expectBadInput(`${good}tuner: { builtinTunerName: Metis }\n`, 'tuner.builtinTunerName', 'Metis', 'TPE'));

  it('unknown CLI flag', async () => {
    const res = await runCli(['run', 'x.yaml', '--wrokers', '2']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--wrokers');
  });

  it('bad flag value', async () => {
    const res = await runCli(['run', 'x.yaml', '--workers', 'many']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--workers');
  });

  it('missing experiment file', async () => {
    const res = await runCli(['run', 'does-not-exist.yaml']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('does-not-exist.yaml');
  });

  it('unknown store scheme', async () => {
    const { file } = experiment(good);
    const res = await runCli(['run', file, '--store', 'mongodb://x']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--store');
  });

  it('a file store written by a newer version: exit 2, file unchanged', async () => {
    const { dir, file } = experiment(good);
    const journal = join(dir, 'newer.jsonl');
    const content = `${JSON.stringify({ kind: 'swarmtune-journal', formatVersion: 99, createdAt: 0 })}\n`;
    writeFileSync(journal, content);
    const res = await runCli(['run', file, '--store', `file:${journal}`]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('99');
    expect(readFileSync(journal, 'utf8')).toBe(content);
  });

  it('--help works on every command', async () => {
    for (const args of [['--help'], ['run', '--help'], ['study', 'export', '--help'], ['worker', 'start', '--help'], ['report', 'hosts', '--help']]) {
      const res = await runCli(args);
      expect(res.code, args.join(' ')).toBe(0);
      expect(res.stdout).toContain('Usage');
    }
  });
});
