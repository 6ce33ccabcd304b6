export * from './worker.js';
export * from './identity.js';
export * from './command-evaluator.js';
export * from './service-evaluator.js';
export * from './pruning.js';
export * from './results-files.js';
export * from './notifications/index.js';
