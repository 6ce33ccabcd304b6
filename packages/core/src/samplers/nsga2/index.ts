export { createNsga2Sampler } from './sampler.js';
export { nsga2OptionsSchema, type Nsga2Options } from './options.js';
export { Genome } from './genome.js';
