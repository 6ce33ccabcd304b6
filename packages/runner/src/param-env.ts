import { InputError, type Params } from '@swarmtune/core';
import { formatParamValue } from './template.js';

/** `SWARMTUNE_PARAM_<NAME>`: name upper-cased, every character that is not a letter or digit becomes `_`. */
export function paramEnvName(param: string): string {
  return `SWARMTUNE_PARAM_${param.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * The env vars that carry params: one `SWARMTUNE_PARAM_<NAME>` per param, plus the user's own names from
 * `paramEnv`. Two params that map to the same variable, or a `paramEnv` entry for a param that does not exist,
 * are input errors (a silent overwrite would run the wrong configuration).
 */
export function paramEnvVars(params: Params, paramEnv: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  const owner = new Map<string, string>();
  const set = (name: string, param: string, where: string) => {
    const previous = owner.get(name);
    if (previous !== undefined && previous !== param) {
      throw new InputError(where, `params "${previous}" and "${param}" both map to the env var ${name}`);
    }
    owner.set(name, param);
    env[name] = formatParamValue(params[param]!);
  };
  for (const param of Object.keys(params).sort()) set(paramEnvName(param), param, `params.${param}`);
  for (const [param, name] of Object.entries(paramEnv)) {
    if (!Object.hasOwn(params, param)) {
      throw new InputError(`objective.paramEnv.${param}`, `no parameter named "${param}" in this trial's params`);
    }
    set(name, param, `objective.paramEnv.${param}`);
  }
  return env;
}
