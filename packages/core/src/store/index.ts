export { StudyBook, type BookChange } from './study-book.js';
export type { StudyReader, StudyChange, KeyedState } from './study-reader.js';
/** The store decisions shared by every Store implementation (see study-ops.ts). */
export * as studyOps from './study-ops.js';
export { newTrialId } from './trial-id.js';
export { MemoryStore } from './memory-store.js';
export { FileStore, type FileStoreOptions } from './file-store.js';
export { openEmbeddedStore, fileStorePath } from './open-store.js';
