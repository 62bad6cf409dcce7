import type { VersionStore } from './versions.js';

/**
 * The storage seam. Every backend (LevelDB, memory, PostgreSQL) implements {@link DocumentStore}
 * and passes the one contract suite in test/integration/storage-contract.test.ts.
 */

/** What is known about one stored document without loading it. */
export interface DocumentInfo {
  name: string;
  /** Bytes of update data currently stored (log plus compacted state). */
  bytes: number;
  /** Number of entries in the document's log, the compacted state counting as one. */
  updates: number;
  /** When the last append or compaction was written (ms since epoch). */
  updatedAt: number;
}

/**
 * A document is an append-only log of Yjs updates. Implementations group the appends of one
 * tick into one write (group commit) and compact a long log into one merged update.
 */
export interface DocumentStore {
  /** The merged update of everything stored for `name`, or null if nothing ever was. */
  load(name: string): Promise<Uint8Array | null>;
  /**
   * Appends one update that the caller has already applied. Resolves once the update is durable
   * (its batch is written); rejects if that write failed.
   */
  append(name: string, update: Uint8Array): Promise<void>;
  /** Merges the log of `name` into one update, atomically. A no-op for an unknown document. */
  compact(name: string): Promise<void>;
  /** What is stored about `name`, or null. */
  info(name: string): Promise<DocumentInfo | null>;
  /** Every stored document, ordered by name. */
  list(): Promise<DocumentInfo[]>;
  /** Removes everything stored for `name`, its versions included. */
  delete(name: string): Promise<void>;
  /** Whole-document versions of each document, kept beside its log (versions.ts). */
  readonly versions: VersionStore;
  /** Writes whatever is pending, then releases the storage. Further calls reject. */
  close(): Promise<void>;
  /**
   * Whether the storage answers: 'degraded' while it cannot be reached (writes are held and
   * retried), so that `/readyz` can take the instance out of a load balancer. Stores whose
   * storage cannot go away on its own (memory, an embedded LevelDB) leave it out: always 'ok'.
   */
  health?(): 'ok' | 'degraded';
}

/** Thrown when a data directory is already opened by another process. */
export class StoreLockedError extends Error {
  constructor(readonly location: string, options?: ErrorOptions) {
    super(`the data directory ${location} is in use by another Tandem process`, options);
    this.name = 'StoreLockedError';
  }
}

/** Thrown by every call on a store after its `close()` began. */
export class StoreClosedError extends Error {
  constructor(options?: ErrorOptions) {
    super('the document store is closed', options);
    this.name = 'StoreClosedError';
  }
}
