/**
 * Whether this device holds the document: a document never opened here has no IndexedDB copy,
 * and offline it must say so rather than show an empty editor that looks saved.
 */
import { useEffect, useState } from 'react';
import type * as Y from 'yjs';
import type { DocumentSession } from '../session/session.js';

/** `unknown` until the IndexedDB copy is loaded; then whether the document had any content. */
export type LocalCopy = 'unknown' | 'present' | 'absent';

/**
 * True for a document that holds nothing at all. Every document an editor ever bound records its
 * format (shared/document-format.ts), so one opened before on this device is never empty.
 */
export function isEmptyDocument(doc: Y.Doc): boolean {
  return doc.store.clients.size === 0;
}

/** Whether `session`'s document was on this device when it was opened. */
export function useLocalCopy(session: DocumentSession | null): LocalCopy {
  const [copy, setCopy] = useState<{ session: DocumentSession; copy: LocalCopy } | null>(null);
  useEffect(() => {
    if (session === null) return;
    let current = true;
    void session.offlineLoaded.then(() => {
      if (current) setCopy({ session, copy: isEmptyDocument(session.doc) ? 'absent' : 'present' });
    });
    return () => {
      current = false;
    };
  }, [session]);
  return copy !== null && copy.session === session ? copy.copy : 'unknown';
}
