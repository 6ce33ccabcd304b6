import { describe, expect, it } from 'vitest';
import { parseSearchSpace, parseTpeOptions } from '@swarmtune/core';
import { buildParamModel, type NumericModel } from '../src/samplers/tpe/param-model.js';
import { buildParzenEstimator, logPdf, type KernelScoring } from '../src/samplers/tpe/parzen.js';

/** Truncated-normal mass of one kernel on [lo, hi], by Simpson's rule (independent of the erf-based code). */
function mass(mu: number, sigma: number, lo: number, hi: number): number {
  const steps = 20000;
  const h = (hi - lo) / steps;
  const phi = (x: number) => Math.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI));
  let sum = phi(lo) + phi(hi);
  for (let i = 1; i < steps; i++) sum += (i % 2 ? 4 : 2) * phi(lo + i * h);
  return (sum * h) / 3;
}

describe('Parzen estimator kernel scoring', () => {
  const model = buildParamModel(parseSearchSpace({ x: { _type: 'uniform', _value: [0, 10] } }).x!) as NumericModel;
  const options = parseTpeOptions({ preset: 'optuna' });
  // Observations 1, 2, 8 with the prior's centre 5 as a neighbour: neighbour gaps 1, 3, 3, and magic clip raises
  // the 1 to range / (1 + kernels) = 2; the prior kernel spans the range.
  const observations = Float64Array.of(1, 2, 8);
  const weights = Float64Array.of(1, 1, 1);
  const xs = [0, 1, 1.5, 2, 4.2, 8, 9.9];

  function scores(scoring: KernelScoring): { values: number[]; sigmas: number[] } {
    const estimator = buildParzenEstimator([model], [observations], 3, options, weights, scoring);
    const out = new Float64Array(xs.length);
    logPdf(estimator, { size: xs.length, coords: [Float64Array.from(xs)], cellLows: [null], cellHighs: [null] }, out);
    const dim = estimator.dimensions[0]!;
    if (dim.kind !== 'numeric') throw new Error('expected a numeric dimension');
    return { values: [...out], sigmas: [...dim.sigmas] };
  }

  /** Mixture of equal-weight truncated normals; coverage leaves out each kernel's 1/sigma. */
  function reference(x: number, sigmas: number[], scoring: KernelScoring): number {
    const mus = [1, 2, 8, 5];
    let total = 0;
    mus.forEach((mu, k) => {
      const sigma = sigmas[k]!;
      const density = Math.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI) * mass(mu, sigma, 0, 10));
      total += 0.25 * (scoring === 'density' ? density : density * sigma);
    });
    return Math.log(total);
  }

  it("'density' is the normalised mixture and 'coverage' the same mixture with every kernel's 1/sigma left out", () => {
    const density = scores('density');
    const coverage = scores('coverage');
    expect(density.sigmas).toEqual([2, 3, 3, 10]); // unequal widths, or the test could not tell the two apart
    expect(coverage.sigmas).toEqual(density.sigmas);
    xs.forEach((x, i) => {
      expect(density.values[i]).toBeCloseTo(reference(x, density.sigmas, 'density'), 6);
      expect(coverage.values[i]).toBeCloseTo(reference(x, coverage.sigmas, 'coverage'), 6);
    });
    // A broad kernel scores higher under coverage than under density, relative to a narrow one.
    const narrowIndex = xs.indexOf(1);
    const broadIndex = xs.indexOf(8);
    expect(coverage.values[broadIndex]! - coverage.values[narrowIndex]!).toBeGreaterThan(density.values[broadIndex]! - density.values[narrowIndex]!);
  });
});
