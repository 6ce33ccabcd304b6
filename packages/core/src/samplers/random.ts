import type { Params } from '../model.js';
import { compareNames } from '../space/parse.js';
import { sampleDistribution } from '../space/sample.js';
import type { SearchSpace } from '../space/types.js';
import type { Rng } from '../rng.js';
import type { Sampler } from './types.js';

/** Independent draws from every distribution, in sorted name order (so a seed gives the same params). */
export function sampleSpace(space: SearchSpace, rng: Rng): Params {
  const params: Params = {};
  for (const name of Object.keys(space).sort(compareNames)) params[name] = sampleDistribution(space[name]!, rng);
  return params;
}

export function createRandomSampler(): Sampler {
  return {
    name: 'random',
    sample: (ctx) => sampleSpace(ctx.space, ctx.rng),
    sampleParam: (_name, dist, ctx) => sampleDistribution(dist, ctx.rng),
  };
}
