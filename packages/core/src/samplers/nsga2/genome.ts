import type { Params } from '../../model.js';
import type { Rng } from '../../rng.js';
import { nearestIndex } from '../../space/lattice.js';
import { compareNames } from '../../space/parse.js';
import { sampleDistribution } from '../../space/sample.js';
import type { SearchSpace } from '../../space/types.js';
import { buildParamModel, continuousValue, toInternal, type ParamModel } from '../tpe/param-model.js';

/**
 * Params as a vector of genes for the evolutionary samplers (nsga2, evolution, anneal): numeric params as their
 * coordinate on TPE's internal axis (log for the log families, within [lo, hi]), categoricals as the choice index.
 * Decoding snaps discrete values to their lattice, so every decoded vector is a canonical configuration.
 */
export class Genome {
  readonly names: string[];
  readonly models: ParamModel[];

  constructor(readonly space: SearchSpace) {
    this.names = Object.keys(space).sort(compareNames);
    this.models = this.names.map((n) => buildParamModel(space[n]!));
  }

  get length(): number {
    return this.names.length;
  }

  /** Genes of a trial's params; null when a param is missing or not in the space. */
  encode(params: Params): number[] | null {
    const genes: number[] = [];
    for (let i = 0; i < this.names.length; i++) {
      const model = this.models[i]!;
      const raw = params[this.names[i]!];
      if (model.kind === 'constant') genes.push(0);
      else if (model.kind === 'categorical') {
        const index = model.indexOf(raw);
        if (index < 0) return null;
        genes.push(index);
      } else {
        const x = toInternal(model, raw);
        if (Number.isNaN(x)) return null;
        genes.push(x);
      }
    }
    return genes;
  }

  decode(genes: readonly number[]): Params {
    const params: Params = {};
    this.names.forEach((name, i) => {
      const model = this.models[i]!;
      const g = genes[i]!;
      if (model.kind === 'constant') params[name] = model.value;
      else if (model.kind === 'categorical') params[name] = model.values[Math.max(0, Math.min(model.values.length - 1, Math.round(g)))]!;
      else {
        const x = Math.min(model.hi, Math.max(model.lo, g));
        params[name] = model.lattice ? model.lattice.value(nearestIndex(model.lattice, model.log ? Math.exp(x) : x)) : continuousValue(model, x);
      }
    });
    return params;
  }

  /** A fresh random value for gene i, from the parameter's own prior. */
  randomGene(i: number, rng: Rng): number {
    const model = this.models[i]!;
    if (model.kind === 'constant') return 0;
    const value = sampleDistribution(this.space[this.names[i]!]!, rng);
    return model.kind === 'categorical' ? model.indexOf(value) : toInternal(model, value);
  }

  /** [lo, hi] of a numeric gene; null for categorical and constant genes. */
  bounds(i: number): [number, number] | null {
    const model = this.models[i]!;
    return model.kind === 'numeric' ? [model.lo, model.hi] : null;
  }
}
