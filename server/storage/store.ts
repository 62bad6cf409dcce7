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
  /**
   * Removes everything stored for `name`, its versions included, leaving a tombstone: {@link deletedAt} answers when,
   * until something is stored under the name again.
   */
  delete(name: string): Promise<void>;
  /**
   * When `name` was last deleted (ms since epoch), while nothing has been stored under it since;
   * null otherwise. The server refuses connections to a recently deleted document with 4410, so
   * that a stale client cannot write it back.
   */
  deletedAt(name: string): Promise<number | null>;
  /** Whole-document versions of each document, kept beside its log (versions.ts). */
  readonly versions: VersionStore;
  /** Writes whatever is pending, then releases the storage. Further calls reject. */
  close(): Promise<void>;
  /**
   * Whether the store can write now: 'failing' from a write the storage refused (a full disk, a
   * database out of reach) until it heals by itself, retrying with backoff. `/readyz` reports it,
   * so that a load balancer takes the instance out while it lasts.
   */
  health(): StoreHealth;
}

/** What {@link DocumentStore.health} answers; `reason` says what the storage refused, for operators. */
export type StoreHealth = { readonly state: 'ok' } | { readonly state: 'failing'; readonly reason: string };

/** The answer of a healthy store. */
export const STORE_OK: StoreHealth = Object.freeze({ state: 'ok' });

/**
 * Thrown by the calls a failing store refuses (see {@link DocumentStore.health}) instead of
 * trying storage that cannot answer: the caller should try again later.
 */
export class StoreFailingError extends Error {
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`the document store is failing (${reason}); try again later`, options);
    this.name = 'StoreFailingError';
  }
}

/** Thrown when a data directory is already opened by another process. */
export class StoreLockedError extends Error {
  constructor(
    readonly location: string,
    options?: ErrorOptions,
  ) {
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
