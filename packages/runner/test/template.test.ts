import { InputError } from '@swarmtune/core';
import { describe, expect, it } from 'vitest';
import { paramEnvName, paramEnvVars, renderCommand, templateVariables } from '../src/index.js';

describe('renderCommand', () => {
  it('fills placeholders, shell-quoting values in the string form only', () => {
    const params = { lr: 0.001, name: "it's a b", deep: true };
    expect(renderCommand('train --lr {{lr}} --name {{ name }} {{deep}}', params)).toBe(
      `train --lr 0.001 --name 'it'\\''s a b' true`,
    );
    expect(renderCommand(['train', '--name={{name}}', '{{lr}}'], params)).toEqual(['train', "--name=it's a b", '0.001']);
  });

  it('throws an InputError naming an unknown variable', () => {
    const err = (() => {
      try {
        renderCommand(['x', '{{lr}}', '{{layers}}'], { lr: 1 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).where).toBe('objective.command[2]');
    expect((err as InputError).message).toMatch(/\{\{layers\}\}.*known params: lr/);
  });

  it('lists the variables a command uses', () => {
    expect(templateVariables('a {{x}} {{ y }} {{x}}')).toEqual(['x', 'y']);
  });
});

describe('paramEnvVars', () => {
  it('maps names to SWARMTUNE_PARAM_<NAME> and adds paramEnv names', () => {
    expect(paramEnvName('learning-rate.v2')).toBe('SWARMTUNE_PARAM_LEARNING_RATE_V2');
    expect(paramEnvVars({ lr: 1e-7, opt: 'adam' }, { lr: 'LEARNING_RATE' })).toEqual({
      SWARMTUNE_PARAM_LR: '1e-7',
      SWARMTUNE_PARAM_OPT: 'adam',
      LEARNING_RATE: '1e-7',
    });
  });

  it('refuses two params on one variable and paramEnv for a missing param', () => {
    expect(() => paramEnvVars({ 'a-b': 1, a_b: 2 })).toThrow(/both map to the env var SWARMTUNE_PARAM_A_B/);
    expect(() => paramEnvVars({ lr: 1 }, { layers: 'LAYERS' })).toThrow(InputError);
  });
});
