import { rankTrials } from '../../multi/ranking.js';
import type { Rng } from '../../rng.js';
import { sampleDistribution } from '../../space/sample.js';
import { sampleSpace } from '../random.js';
import type { Sampler, SamplerContext } from '../types.js';
import { Genome } from './genome.js';
import { makeChild } from './operators.js';
import type { Nsga2Options } from './options.js';

/**
 * NSGA-II as a steady-state, stateless sampler, so that any number of workers can ask at any time:
 *
 * - Until `populationSize` trials are COMPLETE: random sampling (the first generation).
 * - Then the parent population is NSGA-II's environmental selection over every COMPLETE trial of the study:
 *   constrained non-dominated sorting (feasible first, fronts, crowding distance; infeasible by violation), cut
 *   at `populationSize`. Two binary tournaments on that order pick the parents; the child is their crossover
 *   (uniform by default, as Optuna's) plus mutation (a gene redrawn from its prior by default, as Optuna's; see
 *   operators.ts).
 *
 * Optuna's NSGAIISampler instead numbers generations and keeps them in trial attributes; without generations, a
 * new trial competes as soon as it finishes, which suits workers that finish at different times.
 */
export function createNsga2Sampler(options: Nsga2Options): Sampler {
  return {
    name: 'nsga2',
    sample(ctx) {
      const genome = new Genome(ctx.space);
      const parents = parentPopulation(ctx, genome, options.populationSize);
      if (!parents) return sampleSpace(ctx.space, ctx.rng);
      const p1 = tournament(parents, ctx.rng);
      const p2 = tournament(parents, ctx.rng);
      return genome.decode(makeChild(genome, p1, p2, options, ctx.rng));
    },
    // Define-by-run has no whole configuration to recombine: one parameter at a time is random.
    sampleParam: (_name, dist, ctx) => sampleDistribution(dist, ctx.rng),
  };
}

/** Genes of the best `size` COMPLETE trials, best first; null while fewer than `size` trials are COMPLETE. */
export function parentPopulation(ctx: SamplerContext, genome: Genome, size: number): number[][] | null {
  const ranked = rankTrials(ctx.trials, ctx.objectives, ctx.constraints);
  if (ranked.length < size) return null;
  const population: number[][] = [];
  for (const r of ranked) {
    const genes = genome.encode(r.trial.params);
    if (genes) population.push(genes);
    if (population.length === size) break;
  }
  return population.length >= 2 ? population : null;
}

/** Binary tournament over a population ordered best first: the better-placed of two random members. */
function tournament(population: readonly number[][], rng: Rng): number[] {
  const a = rng.int(0, population.length);
  const b = rng.int(0, population.length);
  return population[Math.min(a, b)]!;
}
