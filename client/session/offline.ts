/**
 * Offline persistence: every change is also kept in the browser's IndexedDB (y-indexeddb), so
 * edits made without a connection survive a reload and merge when the connection returns.
 * One database per server and document, so two servers' documents of the same name never mix.
 */
import type * as Y from 'yjs';
import { IndexeddbPersistence } from 'y-indexeddb';

/** A document's local copy. */
export interface OfflineStore {
  /** Resolves once the stored copy has been applied to the document. */
  readonly loaded: Promise<void>;
  /** Stops persisting (the stored copy stays). */
  destroy(): Promise<void>;
}

/** The IndexedDB database name for `documentName` on the server at `serverUrl`. */
export function offlineDatabaseName(serverUrl: string, documentName: string): string {
  return `tandem:${serverUrl.replace(/\/+$/, '')}/${documentName}`;
}

/** True where IndexedDB exists (browsers; not Node). */
export function offlineAvailable(): boolean {
  return typeof indexedDB !== 'undefined';
}

/** Keeps `doc` in IndexedDB and loads what is stored there into it. */
export function openOfflineStore(doc: Y.Doc, serverUrl: string, documentName: string): OfflineStore {
  const persistence = new IndexeddbPersistence(offlineDatabaseName(serverUrl, documentName), doc);
  return {
    loaded: persistence.whenSynced.then(() => undefined),
    destroy: () => persistence.destroy(),
  };
}
