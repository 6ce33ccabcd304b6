import type { ObjectiveSpec } from '@swarmtune/core';
import { describe, expect, it } from 'vitest';
import { OutputParser, type OutputParserOptions, type ParsedOutput } from '../src/index.js';

const loss: ObjectiveSpec[] = [{ name: 'loss', direction: 'minimize' }];
const lossAcc: ObjectiveSpec[] = [
  { name: 'loss', direction: 'minimize' },
  { name: 'acc', direction: 'maximize' },
];

function parse(lines: string[], options: Partial<OutputParserOptions> = {}): ParsedOutput {
  const parser = new OutputParser({ objectives: loss, ...options });
  for (const line of lines) parser.acceptLine(line);
  return parser.finish();
}

function ok(result: ParsedOutput) {
  if (!result.ok) throw new Error(`expected ok, got: ${result.problem}`);
  return result;
}

function problem(result: ParsedOutput): string {
  if (result.ok) throw new Error(`expected a problem, got values ${JSON.stringify(result.values)}`);
  return result.problem;
}

describe('OutputParser', () => {
  it('takes the last JSON object line, ignoring other output and earlier reports', () => {
    const r = ok(parse(['epoch 1', '{"value": 0.5}', 'noise {"value": 9}', '{"value": 0.12, "note": "x"}', 'bye']));
    expect(r.values).toEqual([0.12]);
    expect(r.metrics).toEqual({ value: 0.12 });
  });

  it('reads values, metrics and flat objects', () => {
    expect(ok(parse(['{"values": [0.3, 0.9]}'], { objectives: lossAcc })).values).toEqual([0.3, 0.9]);
    const m = ok(parse(['{"metrics": {"loss": 0.2, "acc": 0.8}}'], { objectives: lossAcc }));
    expect(m.values).toEqual([0.2, 0.8]);
    const flat = ok(parse(['{"acc": 0.7, "loss": 0.25, "epochs": 3}'], { objectives: lossAcc }));
    expect(flat.values).toEqual([0.25, 0.7]);
    expect(flat.metrics).toEqual({ acc: 0.7, loss: 0.25, epochs: 3 });
  });

  it('picks the single value: objective.value, else "value", else the metric named like the objective', () => {
    expect(ok(parse(['{"loss": 0.4}'])).values).toEqual([0.4]);
    expect(ok(parse(['{"value": 0.1, "loss": 0.4}'])).values).toEqual([0.1]);
    expect(ok(parse(['{"value": 0.1, "other": 0.4}'], { valueKey: 'other' })).values).toEqual([0.4]);
  });

  it('keeps step lines as intermediate values and prefers a later final line', () => {
    const r = ok(parse(['{"step": 0, "value": 0.9}', '{"step": 1, "value": 0.5}', '{"value": 0.45}', '{"step": 2, "value": 0.4}']));
    expect(r.intermediate).toEqual([
      { step: 0, value: 0.9 },
      { step: 1, value: 0.5 },
      { step: 2, value: 0.4 },
    ]);
    expect(r.values).toEqual([0.45]);
  });

  it('uses the last step line as final only when nothing else was reported', () => {
    expect(ok(parse(['{"step": 0, "loss": 0.9}', '{"step": 1, "loss": 0.7}'])).values).toEqual([0.7]);
    const withRegex = ok(parse(['{"step": 1, "value": 0.7}', 'final loss=0.65'], { regexes: { loss: 'loss=([0-9.]+)' } }));
    expect(withRegex.values).toEqual([0.65]);
    expect(withRegex.intermediate).toEqual([{ step: 1, value: 0.7 }]);
  });

  it('reads regex metrics (last match wins) and lets JSON win for the same name', () => {
    const regexes = { loss: 'loss=([0-9.eE+-]+)', acc: 'acc=([0-9.]+)' };
    const r = ok(parse(['loss=0.9 acc=0.1', 'loss=0.5 loss=3e-2', 'acc=0.8'], { objectives: lossAcc, regexes }));
    expect(r.values).toEqual([0.03, 0.8]);
    const jsonWins = ok(parse(['loss=0.9', '{"loss": 0.2}'], { regexes }));
    expect(jsonWins.values).toEqual([0.2]);
  });

  it('names what was expected and what came when nothing parses', () => {
    const p = problem(parse(['hello', 'world {"value": 1'], { regexes: { loss: 'loss=([0-9.]+)' } }));
    expect(p).toMatch(/no metrics/);
    expect(p).toContain('{"value": 0.12}');
    expect(p).toContain('loss: /loss=([0-9.]+)/');
    expect(p).toContain('world {"value": 1');
    expect(problem(parse([]))).toMatch(/stdout was empty/);
  });

  it('rejects NaN, Infinity and non-numbers as values, naming them', () => {
    expect(problem(parse(['{"value": NaN}']))).toMatch(/"value" is NaN, not a finite number/);
    expect(problem(parse(['{"loss": -Infinity}']))).toMatch(/"loss" is -Infinity/);
    expect(problem(parse(['{"value": "0.5"}']))).toMatch(/"value" is "0.5"/);
    expect(problem(parse(['{"values": [1, null]}'], { objectives: lossAcc }))).toMatch(/values\[1\] is null/);
    expect(problem(parse(['loss=abc'], { regexes: { loss: 'loss=(\\w+)' } }))).toMatch(/regex match "abc"/);
  });

  it('drops a NaN metric that no objective needs, with a warning', () => {
    const r = ok(parse(['{"value": 0.3, "grad_norm": NaN}']));
    expect(r.values).toEqual([0.3]);
    expect(r.metrics).toEqual({ value: 0.3 });
    expect(r.warnings.join()).toMatch(/grad_norm/);
  });

  it('says which objective metric is missing and which came', () => {
    const p = problem(parse(['{"loss": 0.3, "time": 2}'], { objectives: lossAcc }));
    expect(p).toContain('"acc"');
    expect(p).toContain('loss, time');
    const count = problem(parse(['{"values": [0.3]}'], { objectives: lossAcc }));
    expect(count).toMatch(/expected 2 value\(s\).*loss, acc.*got 1/);
  });

  it('does not parse a truncated line', () => {
    const parser = new OutputParser({ objectives: loss });
    parser.acceptLine('{"value": 1', true);
    expect(problem(parser.finish())).toMatch(/1 over-long line/);
  });
});
