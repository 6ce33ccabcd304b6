import { InputError } from '../errors.js';
import type { Trial } from '../model.js';
import { paramKey } from '../space/canonical.js';
import { enumerateSpace, firstInfiniteParam } from '../space/sample.js';
import type { SearchSpace } from '../space/types.js';
import type { Sampler } from './types.js';

/** InputError when the space has a continuous or unbounded parameter (the grid would be infinite). */
export function assertGridSpace(space: SearchSpace, where = 'searchSpace'): void {
  const name = firstInfiniteParam(space);
  if (name !== null) {
    throw new InputError(
      `${where}.${name}`,
      `the grid sampler needs a finite space, but ${name} is ${space[name]!.type} (infinitely many values); ` +
        'use choice, randint, quniform, qloguniform or step',
    );
  }
}

/** Keys of the configurations already held: WAITING, RUNNING or COMPLETE (a FAIL point may be proposed again). */
function takenKeys(space: SearchSpace, trials: readonly Trial[]): Set<string> {
  const taken = new Set<string>();
  for (const t of trials) {
    if (t.state !== 'WAITING' && t.state !== 'RUNNING' && t.state !== 'COMPLETE') continue;
    if (t.paramKey !== null && t.paramKey !== undefined) {
      taken.add(t.paramKey);
      continue;
    }
    try {
      taken.add(paramKey(space, t.params));
    } catch {
      // a define-by-run trial or one from another space holds no grid point
    }
  }
  return taken;
}

/** Walks the grid in enumerateSpace order and proposes the first point nobody holds; null when all are taken. */
export function createGridSampler(): Sampler {
  return {
    name: 'grid',
    sample(ctx) {
      assertGridSpace(ctx.space);
      const taken = takenKeys(ctx.space, ctx.trials);
      for (const params of enumerateSpace(ctx.space)) {
        if (!taken.has(paramKey(ctx.space, params))) return params;
      }
      return null;
    },
    sampleParam(name) {
      throw new InputError('sampler.name', `the grid sampler cannot sample define-by-run parameters (asked for ${name})`);
    },
  };
}
