import { z } from 'zod';
import { InputError } from '../../errors.js';

export const nsga2OptionsSchema = z.strictObject({
  /**
   * Parents kept by environmental selection; random sampling until this many trials are COMPLETE. Optuna's default
   * is 50; a steady-state sampler with tuning-sized budgets (a few hundred trials) does better with 20 (the mo-zdt
   * bench suite: ZDT1/ZDT2 at 200 trials).
   */
  populationSize: z.number().int().min(2).default(20),
  /** `uniform` swaps genes between the parents (Optuna's default); `sbx` is simulated binary crossover. */
  crossover: z.enum(['sbx', 'uniform']).default('uniform'),
  /** Probability that a child is made by crossover of two parents rather than copied from one. */
  crossoverProb: z.number().min(0).max(1).default(0.9),
  /** Per-gene probability of a swap in uniform crossover (and of SBX acting on a gene). */
  swappingProb: z.number().min(0).max(1).default(0.5),
  /** SBX distribution index: larger keeps children nearer their parents. */
  sbxEta: z.number().positive().default(15),
  /**
   * `random` draws a mutated gene afresh from its prior (Optuna's), so that regions the first generation missed
   * can still be reached; `polynomial` moves it near its current value (Deb).
   */
  mutation: z.enum(['random', 'polynomial']).default('random'),
  /** Per-gene mutation probability; default 1 / number of params. */
  mutationProb: z.number().min(0).max(1).optional(),
  /** Polynomial mutation distribution index. */
  mutationEta: z.number().positive().default(20),
});

export type Nsga2Options = z.output<typeof nsga2OptionsSchema>;

/** zod options of a sampler -> typed options, InputError naming the first bad key. */
export function parseOptions<S extends z.ZodType>(schema: S, raw: unknown, where: string): z.output<S> {
  const result = schema.safeParse(raw ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.');
    throw new InputError(path ? `${where}.${path}` : where, issue.message);
  }
  return result.data;
}
