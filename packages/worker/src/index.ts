export * from './worker.js';
export * from './identity.js';
export * from './command-evaluator.js';
