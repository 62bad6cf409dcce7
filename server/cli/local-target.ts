/**
 * Admin verbs on a stopped server's data dir: the LevelDB store opened directly. Only one process
 * may open a data dir, so this refuses clearly while a server runs on it.
 */
import { existsSync } from 'node:fs';
import { DEFAULT_LIMITS } from '../../shared/limits.js';
import { ConversionPool, conversionPoolOptions } from '../api/convert-pool.js';
import type { DocumentFormat } from '../api/formats.js';
import { createVersion, readVersion, restoreVersion, type VersionRouteContext } from '../api/versions.js';
import { openLevelDbStore } from '../storage/leveldb-store.js';
import { StoreLockedError, type DocumentInfo, type DocumentStore } from '../storage/store.js';
import { AdminError, type AdminTarget, type DocumentSummary } from './admin-target.js';

function summary(info: DocumentInfo): DocumentSummary {
  return { name: info.name, bytes: info.bytes, updates: info.updates, updatedAt: new Date(info.updatedAt).toISOString(), clients: null };
}

const pools = new Map<string | null, ConversionPool>();

/**
 * The same bounded conversion workers as the server's, with the same `extensions` module, so that
 * a hostile file fails its import instead of taking the CLI's memory. One pool per module serves
 * every target of the process (a worker costs a start-up per process, not per verb); idle, it
 * never keeps the process alive.
 */
function converterFor(extensions: string | null): ConversionPool {
  let pool = pools.get(extensions);
  if (pool === undefined) {
    pool = new ConversionPool(conversionPoolOptions(DEFAULT_LIMITS, extensions));
    pools.set(extensions, pool);
  }
  return pool;
}

/**
 * Opens `dataDir`; rejects with a `locked` {@link AdminError} when a running server holds it, and
 * with `not_found` when there is no such folder: only `tandem serve` creates a data dir, so that a
 * mistyped path is reported instead of answered from a new, empty one. Conversions use the
 * default schema plus the `extensions` module (absolute path), as `tandem serve --extensions` does.
 */
export async function openLocalTarget(dataDir: string, extensions: string | null = null): Promise<AdminTarget> {
  const converter = (): ConversionPool => converterFor(extensions);
  if (!existsSync(dataDir)) {
    throw new AdminError('not_found', `no data directory at ${dataDir} (is the path right? 'tandem serve --data ${dataDir}' creates one)`);
  }
  let store: DocumentStore;
  try {
    store = await openLevelDbStore(dataDir);
  } catch (error) {
    if (error instanceof StoreLockedError) {
      throw new AdminError('locked', `${error.message}: a running server holds it; stop it, or use --server URL --token T to go through its HTTP API`, {
        cause: error,
      });
    }
    throw error;
  }
  // The version rules of the HTTP API, with the data dir's store in place of a live room.
  const versionContext: VersionRouteContext = {
    store,
    fail(status, _code, message) {
      throw new AdminError(status === 404 ? 'not_found' : 'bad_input', message);
    },
    importYjs: (current, target) => converter().importDocument(current, target, 'yjs'),
    async editLive(name, edit) {
      const update = await edit(await store.load(name));
      if (update.length > 2) await store.append(name, update);
    },
  };
  const existing = async (name: string): Promise<DocumentInfo> => {
    const info = await store.info(name);
    if (info === null) throw new AdminError('not_found', `no document '${name}'`);
    return info;
  };
  return {
    async list() {
      return (await store.list()).map(summary);
    },
    async read(name, format: DocumentFormat) {
      const stored = await store.load(name);
      if (stored === null) throw new AdminError('not_found', `no document '${name}'`);
      return converter().exportDocument(stored, format);
    },
    async write(name, format, body, replace, kind) {
      const exists = (await store.info(name)) !== null;
      if (exists && !replace) throw new AdminError('conflict', `document '${name}' exists; use --replace to replace its content`);
      const update = await converter().importDocument(exists ? await store.load(name) : null, body, format, kind);
      await store.append(name, update);
      return !exists;
    },
    async delete(name) {
      await existing(name);
      await store.delete(name);
    },
    async compact(name) {
      await existing(name);
      await store.compact(name);
    },
    async info(name) {
      return summary(await existing(name));
    },
    versions: (name) => store.versions.list(name),
    createVersion: (name, label) => createVersion(versionContext, name, 'manual', label, null),
    async readVersion(name, id, format) {
      return converter().exportDocument((await readVersion(versionContext, name, id)).state, format);
    },
    restoreVersion: (name, id) => restoreVersion(versionContext, name, id, null),
    async putVersion(name, info, state) {
      await store.versions.save(name, state, info);
    },
    close: () => store.close(),
  };
}
