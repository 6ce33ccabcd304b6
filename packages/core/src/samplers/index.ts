import { InputError } from '../errors.js';
import type { SamplerConfig } from '../model.js';
import { createGridSampler } from './grid.js';
import { createRandomSampler } from './random.js';
import { parseTpeOptions } from './tpe/options.js';
import { createTpeSampler } from './tpe/sampler.js';
import type { Sampler } from './types.js';
import { createAnnealSampler, parseAnnealOptions } from './anneal/sampler.js';
import { createEvolutionSampler, parseEvolutionOptions } from './evolution/sampler.js';
import { createCoordinateSampler, parseCoordinateOptions } from './coordinate.js';
import { createNsga2Sampler } from './nsga2/sampler.js';
import { nsga2OptionsSchema, parseOptions } from './nsga2/options.js';

export type { Sampler, SamplerContext } from './types.js';
export { assertGridSpace, createGridSampler } from './grid.js';
export { createRandomSampler, sampleSpace } from './random.js';
export { createTpeSampler } from './tpe/sampler.js';
export { parseTpeOptions, tpeOptionsSchema, type TpeOptions } from './tpe/options.js';
export * from './nsga2/index.js';
export { createAnnealSampler, annealOptionsSchema, type AnnealOptions } from './anneal/sampler.js';
export { createEvolutionSampler, evolutionOptionsSchema, type EvolutionOptions } from './evolution/sampler.js';
export { createCoordinateSampler, coordinateOptionsSchema, parseCoordinateOptions, type CoordinateOptions } from './coordinate.js';

export const SAMPLER_NAMES = ['random', 'grid', 'tpe', 'nsga2', 'anneal', 'evolution', 'coordinate'] as const;

function assertNoOptions(config: SamplerConfig, where: string): void {
  const keys = Object.keys(config.options ?? {});
  if (keys.length > 0) throw new InputError(`${where}.options.${keys[0]}`, `the ${config.name} sampler takes no options`);
}

/** The sampler a study spec names. InputError on an unknown name or bad options. */
export function createSampler(config: SamplerConfig, where = 'sampler'): Sampler {
  if (typeof config !== 'object' || config === null) throw new InputError(where, 'expected {name, options?}');
  if (config.options !== undefined && (typeof config.options !== 'object' || config.options === null || Array.isArray(config.options))) {
    throw new InputError(`${where}.options`, 'options must be an object');
  }
  switch (config.name) {
    case 'random':
      assertNoOptions(config, where);
      return createRandomSampler();
    case 'grid':
      assertNoOptions(config, where);
      return createGridSampler();
    case 'tpe':
      return createTpeSampler(parseTpeOptions(config.options, `${where}.options`));
    case 'nsga2':
      return createNsga2Sampler(parseOptions(nsga2OptionsSchema, config.options, `${where}.options`));
    case 'anneal':
      return createAnnealSampler(parseAnnealOptions(config.options, `${where}.options`));
    case 'coordinate':
      return createCoordinateSampler(parseCoordinateOptions(config.options, `${where}.options`));
    case 'evolution':
      return createEvolutionSampler(parseEvolutionOptions(config.options, `${where}.options`));
    default:
      throw new InputError(
        `${where}.name`,
        `unknown sampler ${JSON.stringify(config.name)}; valid samplers: ${SAMPLER_NAMES.join(', ')}`,
      );
  }
}
