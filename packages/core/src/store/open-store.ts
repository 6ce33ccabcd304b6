import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import { FileStore } from './file-store.js';
import { MemoryStore } from './memory-store.js';
import type { Store } from './store.js';

/**
 * Opens a `memory:` / `memory:NAME` or `file:PATH` (also `file:///abs/path`) store. Any other scheme is an
 * InputError naming `store`, so the CLI can try redis before calling this.
 */
export async function openEmbeddedStore(url: string): Promise<Store> {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new InputError('store', 'the store URL is empty (expected memory:, file:path or redis://host:port/db)');
  }
  if (url.startsWith('memory:')) return MemoryStore.open(url);
  if (url.startsWith('file:')) return FileStore.open(fileStorePath(url));
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new InputError(
    'store',
    scheme
      ? `"${scheme}:" is not an embedded store (embedded stores: memory:, file:path)`
      : `"${url}" is not a store URL (expected memory:, file:path or redis://host:port/db)`,
  );
}

/** The file path of a `file:` URL: `file:relative/or/absolute/path` or a standard `file:///absolute/path`. */
export function fileStorePath(url: string): string {
  let path: string;
  try {
    path = url.startsWith('file://') ? fileURLToPath(url) : url.slice('file:'.length);
  } catch (error) {
    throw new InputError('store', `"${url}" is not a usable file URL: ${(error as Error).message}`);
  }
  if (path.trim() === '') {
    throw new InputError('store', 'a file: store needs a path, e.g. file:.swarmtune/studies.jsonl');
  }
  return path;
}
