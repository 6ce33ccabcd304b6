import { z } from 'zod';
import { rankTrials } from '../../multi/ranking.js';
import { sampleDistribution } from '../../space/sample.js';
import { Genome } from '../nsga2/genome.js';
import { parseOptions } from '../nsga2/options.js';
import { sampleSpace } from '../random.js';
import type { Sampler } from '../types.js';

export const annealOptionsSchema = z.strictObject({
  /** Mean rank (0 = best) of the trial that the next proposal starts from. */
  avgBestIdx: z.number().positive().default(2),
  /** How fast the neighbourhood shrinks with the number of COMPLETE trials n: width = 1 / (1 + n * shrinkCoef). */
  shrinkCoef: z.number().positive().default(0.1),
  /** Random proposals before annealing starts. */
  nStartupTrials: z.number().int().min(0).default(5),
});

export type AnnealOptions = z.output<typeof annealOptionsSchema>;

export function parseAnnealOptions(raw: unknown, where: string): AnnealOptions {
  return parseOptions(annealOptionsSchema, raw, where);
}

/**
 * Simulated-annealing-like search, NNI's `Anneal` tuner (after hyperopt's anneal): pick one of the best trials
 * (rank drawn from a geometric distribution with mean `avgBestIdx`), then move each parameter within a
 * neighbourhood that shrinks as trials accumulate: numeric params by a normal step of `width * range` on their
 * internal axis, categorical ones re-drawn with probability `width`.
 */
export function createAnnealSampler(options: AnnealOptions): Sampler {
  return {
    name: 'anneal',
    sample(ctx) {
      const genome = new Genome(ctx.space);
      const ranked = rankTrials(ctx.trials, ctx.objectives, ctx.constraints);
      if (ranked.length === 0 || ranked.length < options.nStartupTrials) return sampleSpace(ctx.space, ctx.rng);
      const p = 1 / (1 + options.avgBestIdx);
      const rank = Math.min(ranked.length - 1, Math.floor(Math.log(1 - ctx.rng.next()) / Math.log(1 - p)));
      const genes = genome.encode(ranked[rank]!.trial.params);
      if (!genes) return sampleSpace(ctx.space, ctx.rng);
      const width = 1 / (1 + ranked.length * options.shrinkCoef);
      for (let i = 0; i < genome.length; i++) {
        const bounds = genome.bounds(i);
        if (bounds) genes[i] = genes[i]! + ctx.rng.normal() * width * (bounds[1] - bounds[0]);
        else if (ctx.rng.next() < width) genes[i] = genome.randomGene(i, ctx.rng);
      }
      return genome.decode(genes);
    },
    sampleParam: (_name, dist, ctx) => sampleDistribution(dist, ctx.rng),
  };
}
