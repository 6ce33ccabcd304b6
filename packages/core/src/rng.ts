/** A seeded source of randomness. Samplers take one so that a seeded run is reproducible. */
export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  /** standard normal */
  normal(): number;
  /** integer in [low, high) */
  int(low: number, high: number): number;
}
