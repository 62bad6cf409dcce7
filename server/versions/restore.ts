/**
 * Restoring a version as an edit: the update that turns the current document into the version's
 * content, computed like `PUT ?replace=1` (unchanged blocks and text kept), so that connected
 * editors see only what changed and keep their carets and undo history, and offline editors
 * merge with it.
 */
import * as Y from 'yjs';
import { PLAINTEXT_FIELD, readDocumentFormat } from '../../shared/document-format.js';
import { diffText } from '../../shared/text-diff.js';

/** The text of a plain-text document's state (its Y.Text), or null when it is not one. */
export function plainTextOf(state: Uint8Array): string | null {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
    return readDocumentFormat(doc) === 'plaintext' ? doc.getText(PLAINTEXT_FIELD).toString() : null;
  } finally {
    doc.destroy();
  }
}

/** The update that turns plain-text document `current` into `text`; empty when they are equal. */
export function replaceTextUpdate(current: Uint8Array | null, text: string): Uint8Array {
  const doc = new Y.Doc();
  try {
    if (current !== null) Y.applyUpdate(doc, current);
    const before = Y.encodeStateVector(doc);
    const field = doc.getText(PLAINTEXT_FIELD);
    const change = diffText(field.toString(), text);
    if (change !== null) {
      doc.transact(() => {
        if (change.deleteCount > 0) field.delete(change.index, change.deleteCount);
        if (change.insert.length > 0) field.insert(change.index, change.insert);
      });
    }
    return Y.encodeStateAsUpdate(doc, before);
  } finally {
    doc.destroy();
  }
}

/**
 * The update that turns `current` into the content of the version state `target`. A rich-text
 * document goes through `importYjs` (the conversion workers' Yjs import, which replaces the
 * content the way `PUT ?replace=1` does), so that a large one is not converted on the event loop.
 */
export async function restoreUpdate(
  current: Uint8Array | null,
  target: Uint8Array,
  importYjs: (current: Uint8Array | null, target: Uint8Array) => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const text = plainTextOf(target);
  return text === null ? importYjs(current, target) : replaceTextUpdate(current, text);
}
