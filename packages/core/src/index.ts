export * from './model.js';
export * from './errors.js';
export * from './rng.js';
export * from './space/types.js';
export * from './space/index.js';
export * from './samplers/index.js';
export * from './store/store.js';
export * from './store/index.js';
