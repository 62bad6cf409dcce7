/**
 * Offline persistence: every change is also kept in the browser's IndexedDB (y-indexeddb), so
 * edits made without a connection survive a reload and merge when the connection returns.
 * One database per server and document, so two servers' documents of the same name never mix.
 *
 * Beside the copy it keeps one flag: whether the copy held changes the server had not yet
 * acknowledged as saved when it was last written. A reload offline then says "unsaved changes"
 * only when there are some, instead of counting the whole restored copy as new.
 */
import type * as Y from 'yjs';
import { IndexeddbPersistence } from 'y-indexeddb';

/** A document's local copy. */
export interface OfflineStore {
  /** Resolves once the stored copy has been applied to the document. */
  readonly loaded: Promise<void>;
  /** The transaction origin of the updates restored from the stored copy. */
  readonly origin: unknown;
  /**
   * Resolves, once loaded, with whether the stored copy holds changes not known to be saved on the
   * server: true when it said so last, and for a non-empty copy that says nothing (written before
   * the flag existed).
   */
  heldUnsaved(): Promise<boolean>;
  /** Records whether the copy now holds changes not known to be saved on the server. */
  rememberUnsaved(unsaved: boolean): void;
  /** Stops persisting (the stored copy stays). */
  destroy(): Promise<void>;
}

/** Key of the unsaved flag in y-indexeddb's `custom` store: 1 unsaved, 0 saved. */
const UNSAVED_KEY = 'tandem:unsaved';

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
  let restoredAny = false;
  const onRestore = (_update: Uint8Array, origin: unknown): void => {
    if (origin === persistence) restoredAny = true;
  };
  doc.on('update', onRestore);
  const loaded = persistence.whenSynced.then(() => {
    doc.off('update', onRestore);
  });
  return {
    loaded,
    origin: persistence,
    async heldUnsaved() {
      await loaded;
      const flag: unknown = await persistence.get(UNSAVED_KEY);
      return flag === undefined ? restoredAny : flag === 1;
    },
    rememberUnsaved(unsaved) {
      // Rejected when the database closed under it (the session ended mid-write) or is over quota:
      // the previous flag stays, and the next change of state writes again.
      persistence.set(UNSAVED_KEY, unsaved ? 1 : 0).catch(() => undefined);
    },
    destroy: () => persistence.destroy(),
  };
}
