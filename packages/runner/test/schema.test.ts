import { InputError } from '@swarmtune/core';
import { describe, expect, it } from 'vitest';
import { commandObjectiveSchema, parseCommandObjective } from '../src/index.js';

function errorOf(raw: unknown): InputError {
  try {
    parseCommandObjective(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

describe('commandObjectiveSchema', () => {
  it('accepts the documented example and stringifies env values', () => {
    const spec = parseCommandObjective({
      type: 'command',
      command: 'python3 train.py --lr {{lr}} --layers {{layers}}',
      cwd: './examples/x',
      env: { EXTRA: 1, FLAG: true },
      paramEnv: { lr: 'LEARNING_RATE' },
      timeoutSeconds: 600,
      killGraceSeconds: 5,
      metrics: { loss: 'loss=([0-9.eE+-]+)' },
      value: 'loss',
    });
    expect(spec.env).toEqual({ EXTRA: '1', FLAG: 'true' });
    expect(spec.metrics).toEqual({ loss: 'loss=([0-9.eE+-]+)' });
    expect(commandObjectiveSchema.parse({ type: 'command', command: ['node', 'x.js'] }).command).toEqual(['node', 'x.js']);
  });

  it('names the field of each problem', () => {
    expect(errorOf({ type: 'command' }).message).toBe('objective.command: is required');
    expect(errorOf({ type: 'command', command: '' }).where).toBe('objective.command');
    expect(errorOf({ type: 'command', command: [] }).where).toBe('objective.command');
    expect(errorOf({ type: 'service', command: 'x' }).where).toBe('objective.type');
    expect(errorOf({ type: 'command', command: 'x', timeoutSeconds: 0 }).where).toBe('objective.timeoutSeconds');
    expect(errorOf({ type: 'command', command: 'x', killGraceSeconds: -1 }).where).toBe('objective.killGraceSeconds');
    expect(errorOf({ type: 'command', command: 'x', env: { 'BAD NAME': 'v' } }).where).toBe('objective.env.BAD NAME');
    expect(errorOf({ type: 'command', command: 'x', paramEnv: { lr: '1LR' } }).where).toBe('objective.paramEnv.lr');
    expect(errorOf({ type: 'command', command: 'x', timeout: 5 }).where).toBe('objective.timeout');
  });

  it('rejects a metric regex that does not compile or has no capture group, naming the metric', () => {
    const bad = errorOf({ type: 'command', command: 'x', metrics: { loss: 'loss=([0-9' } });
    expect(bad.where).toBe('objective.metrics.loss');
    expect(bad.message).toMatch(/not a valid regular expression/);
    const noGroup = errorOf({ type: 'command', command: 'x', metrics: { acc: 'acc=[0-9.]+' } });
    expect(noGroup.where).toBe('objective.metrics.acc');
    expect(noGroup.message).toMatch(/capture group/);
  });

  it('reports further problems in the same message', () => {
    const err = errorOf({ type: 'command', command: 3, timeoutSeconds: 'soon' });
    expect(err.where).toBe('objective.command');
    expect(err.message).toContain('objective.timeoutSeconds');
  });
});
