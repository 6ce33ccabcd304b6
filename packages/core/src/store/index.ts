export { StudyBook, type BookChange, type BookCounts } from './study-book.js';
export { newTrialId } from './trial-id.js';
export { MemoryStore } from './memory-store.js';
export { FileStore, type FileStoreOptions } from './file-store.js';
export { openEmbeddedStore, fileStorePath } from './open-store.js';
