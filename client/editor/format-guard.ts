/**
 * Whether an editor of one format may bind a session's document. The document's recorded
 * format decides (shared/document-format.ts); a document nobody has claimed is claimed by the
 * first editor that finds it empty once synced with the server, so two clients never bind the
 * same document in two formats. The check keeps running: a concurrent claim by a client of the
 * other format that wins the merge turns an accepted editor into a mismatch.
 */
import { readDocumentFormat, writeDocumentFormat, type DocumentFormat } from '../../shared/document-format.js';
import type { DocumentSession } from '../session/session.js';

/** The outcome of the check: wait, bind, or explain. */
export type FormatCheck =
  /** Not synced yet and nothing recorded: the format is not known. */
  | { readonly kind: 'pending' }
  /** The document is in the wanted format. */
  | { readonly kind: 'ok'; readonly format: DocumentFormat }
  /** The document is in another format: show a message, never bind. */
  | { readonly kind: 'mismatch'; readonly wanted: DocumentFormat; readonly actual: DocumentFormat };

const PENDING: FormatCheck = { kind: 'pending' };

/**
 * The check for `wanted` now. An unclaimed document is claimed once the session has synced, or
 * once it is known to be offline (a document created without a connection).
 */
export function checkFormat(session: Pick<DocumentSession, 'doc' | 'synced' | 'status'>, wanted: DocumentFormat): FormatCheck {
  const actual = readDocumentFormat(session.doc);
  if (actual === null) {
    if (!session.synced && session.status.kind !== 'offline') return PENDING;
    writeDocumentFormat(session.doc, wanted);
    return { kind: 'ok', format: wanted };
  }
  return actual === wanted ? { kind: 'ok', format: actual } : { kind: 'mismatch', wanted, actual };
}

const sameCheck = (a: FormatCheck, b: FormatCheck): boolean =>
  a.kind === b.kind && (a.kind !== 'mismatch' || (b.kind === 'mismatch' && a.actual === b.actual)) && (a.kind !== 'ok' || (b.kind === 'ok' && a.format === b.format));

/** A running check, see {@link watchFormat}. */
export interface FormatWatch {
  /** The latest check; the same object until the outcome changes. */
  current(): FormatCheck;
  /** Calls `listener` when the outcome changes; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** Stops watching. */
  stop(): void;
}

/** Re-checks `wanted` on every document change and status change of `session`. */
export function watchFormat(session: DocumentSession, wanted: DocumentFormat): FormatWatch {
  const listeners = new Set<() => void>();
  let current = checkFormat(session, wanted);
  const recheck = (): void => {
    const next = checkFormat(session, wanted);
    if (sameCheck(current, next)) return;
    current = next;
    for (const listener of listeners) listener();
  };
  session.doc.on('update', recheck);
  const stopStatus = session.onStatus(recheck);
  return {
    current: () => current,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      session.doc.off('update', recheck);
      stopStatus();
      listeners.clear();
    },
  };
}

/** The format's name in a sentence. */
export function formatLabel(format: DocumentFormat): string {
  return format === 'plaintext' ? 'plain text' : 'rich text';
}

/** What the writer reads instead of an editor when the formats differ. */
export function mismatchMessage(check: { wanted: DocumentFormat; actual: DocumentFormat }): string {
  return `This document is ${formatLabel(check.actual)}, so it cannot be opened in a ${formatLabel(check.wanted)} editor. Open it as ${formatLabel(check.actual)} instead.`;
}
