import { InputError } from '../errors.js';
import type { PrunerConfig } from '../model.js';
import { parseOptions } from '../samplers/nsga2/options.js';
import { ashaOptionsSchema, createAshaPruner } from './asha.js';
import { createPercentilePruner, medianOptionsSchema, percentileOptionsSchema } from './percentile.js';
import type { Pruner } from './types.js';

export type { Pruner, PruneContext } from './types.js';
export { createAshaPruner, ashaOptionsSchema, rungResource, rungValue, type AshaOptions } from './asha.js';
export { createPercentilePruner, percentileOptionsSchema, medianOptionsSchema, percentileOf, type PercentileOptions } from './percentile.js';

export const PRUNER_NAMES = ['none', 'median', 'percentile', 'asha'] as const;

/** The pruner a study spec names; null for none / absent. InputError on an unknown name or bad options. */
export function createPruner(config: PrunerConfig | undefined, where = 'pruner'): Pruner | null {
  if (config === undefined) return null;
  const opts = `${where}.options`;
  switch (config.name) {
    case 'none':
      parseOptions(medianOptionsSchema.pick({}), config.options, opts);
      return null;
    case 'median':
      return createPercentilePruner({ ...parseOptions(medianOptionsSchema, config.options, opts), percentile: 50 }, 'median');
    case 'percentile':
      return createPercentilePruner(parseOptions(percentileOptionsSchema, config.options, opts));
    case 'asha':
      return createAshaPruner(parseOptions(ashaOptionsSchema, config.options, opts));
    default:
      throw new InputError(`${where}.name`, `unknown pruner ${JSON.stringify((config as { name: unknown }).name)}; valid pruners: ${PRUNER_NAMES.join(', ')}`);
  }
}
