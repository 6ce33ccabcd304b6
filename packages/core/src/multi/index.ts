export * from './dominance.js';
export * from './hypervolume.js';
export * from './constraints.js';
export * from './ranking.js';
export * from './pareto.js';
