import type { Rng } from '../../rng.js';
import type { Genome } from './genome.js';

/**
 * Simulated binary crossover (Deb & Agrawal) of two numeric genes within [lo, hi], bounded form; returns one child
 * gene (the other child of the pair is not needed).
 */
export function sbxGene(a: number, b: number, lo: number, hi: number, eta: number, rng: Rng): number {
  if (Math.abs(a - b) < 1e-14 || hi <= lo) return a;
  const y1 = Math.min(a, b);
  const y2 = Math.max(a, b);
  const u = rng.next();
  const spread = (beta: number) => {
    const alpha = 2 - Math.pow(beta, -(eta + 1));
    return u <= 1 / alpha ? Math.pow(u * alpha, 1 / (eta + 1)) : Math.pow(1 / (2 - u * alpha), 1 / (eta + 1));
  };
  const betaLow = 1 + (2 * (y1 - lo)) / (y2 - y1);
  const betaHigh = 1 + (2 * (hi - y2)) / (y2 - y1);
  const c1 = 0.5 * (y1 + y2 - spread(betaLow) * (y2 - y1));
  const c2 = 0.5 * (y1 + y2 + spread(betaHigh) * (y2 - y1));
  const child = rng.next() < 0.5 ? c1 : c2;
  return Math.min(hi, Math.max(lo, child));
}

/** Polynomial mutation (Deb) of a numeric gene within [lo, hi]. */
export function polynomialMutation(x: number, lo: number, hi: number, eta: number, rng: Rng): number {
  if (hi <= lo) return x;
  const delta1 = (x - lo) / (hi - lo);
  const delta2 = (hi - x) / (hi - lo);
  const u = rng.next();
  const power = 1 / (eta + 1);
  let deltaQ: number;
  if (u < 0.5) {
    const v = 2 * u + (1 - 2 * u) * Math.pow(1 - delta1, eta + 1);
    deltaQ = Math.pow(v, power) - 1;
  } else {
    const v = 2 * (1 - u) + 2 * (u - 0.5) * Math.pow(1 - delta2, eta + 1);
    deltaQ = 1 - Math.pow(v, power);
  }
  return Math.min(hi, Math.max(lo, x + deltaQ * (hi - lo)));
}

export interface VariationOptions {
  crossover: 'sbx' | 'uniform';
  crossoverProb: number;
  swappingProb: number;
  sbxEta: number;
  mutation: 'random' | 'polynomial';
  mutationProb?: number | undefined;
  mutationEta: number;
}

/**
 * One child of two parents: crossover (swaps, or SBX on numeric genes and swaps on categorical ones), then
 * mutation (a fresh draw from the gene's prior, or polynomial on numeric genes).
 */
export function makeChild(genome: Genome, p1: readonly number[], p2: readonly number[], options: VariationOptions, rng: Rng): number[] {
  const child = [...p1];
  if (rng.next() < options.crossoverProb) {
    for (let i = 0; i < genome.length; i++) {
      if (rng.next() >= options.swappingProb) continue;
      const bounds = genome.bounds(i);
      child[i] = bounds && options.crossover === 'sbx' ? sbxGene(p1[i]!, p2[i]!, bounds[0], bounds[1], options.sbxEta, rng) : p2[i]!;
    }
  }
  const mutationProb = options.mutationProb ?? 1 / Math.max(1, genome.length);
  for (let i = 0; i < genome.length; i++) {
    if (rng.next() >= mutationProb) continue;
    const bounds = genome.bounds(i);
    child[i] =
      bounds && options.mutation === 'polynomial'
        ? polynomialMutation(child[i]!, bounds[0], bounds[1], options.mutationEta, rng)
        : genome.randomGene(i, rng);
  }
  return child;
}
