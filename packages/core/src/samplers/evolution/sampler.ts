import { z } from 'zod';
import { rankScored, scoredTrials } from '../../multi/ranking.js';
import { sampleDistribution } from '../../space/sample.js';
import { Genome } from '../nsga2/genome.js';
import { parseOptions } from '../nsga2/options.js';
import { sampleSpace } from '../random.js';
import type { Sampler } from '../types.js';

export const evolutionOptionsSchema = z.strictObject({
  /** The population is the newest `populationSize` COMPLETE trials (aging: the oldest drop out). */
  populationSize: z.number().int().min(2).default(32),
  /** Members drawn for each tournament; default a quarter of the population (at least 2). */
  sampleSize: z.number().int().min(1).optional(),
});

export type EvolutionOptions = z.output<typeof evolutionOptionsSchema>;

export function parseEvolutionOptions(raw: unknown, where: string): EvolutionOptions {
  return parseOptions(evolutionOptionsSchema, raw, where);
}

/**
 * Regularized (aging) evolution, NNI's `Evolution` tuner (Real et al. 2019): random until the population is full;
 * then draw `sampleSize` members of the population at random, take the best (constraints and several objectives
 * are ranked as in rankTrials) and mutate one parameter of it, re-drawn from its prior. Stateless: the population
 * is read from the study's trials, so every worker evolves the same population.
 */
export function createEvolutionSampler(options: EvolutionOptions): Sampler {
  return {
    name: 'evolution',
    sample(ctx) {
      const genome = new Genome(ctx.space);
      const scored = scoredTrials(ctx.trials, ctx.objectives, ctx.constraints).filter((s) => genome.encode(s.trial.params));
      if (scored.length < options.populationSize || genome.length === 0) return sampleSpace(ctx.space, ctx.rng);
      const population = scored.sort((a, b) => a.trial.number - b.trial.number).slice(-options.populationSize);
      const sampleSize = Math.min(population.length, options.sampleSize ?? Math.max(2, Math.floor(population.length / 4)));
      const drawn = Array.from({ length: sampleSize }, () => population[ctx.rng.int(0, population.length)]!);
      const parent = rankScored(drawn)[0]!;
      const genes = genome.encode(parent.trial.params)!;
      const i = ctx.rng.int(0, genome.length);
      genes[i] = genome.randomGene(i, ctx.rng);
      return genome.decode(genes);
    },
    sampleParam: (_name, dist, ctx) => sampleDistribution(dist, ctx.rng),
  };
}
