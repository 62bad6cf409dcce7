/**
 * The one editor schema: the Tiptap extensions that define what a rich-text Tandem document may
 * contain. The editor builds on it and the server's converters (JSON, HTML, Markdown, text) read
 * and write documents with it, so a document the server imports is one the editor can show.
 */
import type { AnyExtension } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';

/** The Y.XmlFragment every Tandem rich-text document lives in. */
export const DOCUMENT_FIELD = 'default';

/**
 * The content extensions of a Tandem document. StarterKit's own undo/redo is off: Yjs is the
 * history. Editors add behaviour (collaboration, placeholder, presence) on top, never content.
 */
export function schemaExtensions(): AnyExtension[] {
  return [StarterKit.configure({ undoRedo: false })];
}
