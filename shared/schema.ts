/**
 * The default editor schema: the Tiptap extensions that define what a rich-text Tandem document
 * may contain unless an app says otherwise. The editor builds on it (apps add their own
 * extensions to it) and the server's converters (JSON, HTML, Markdown, text) read and write
 * documents with it, so a document the server imports is one the editor can show.
 */
import type { AnyExtension } from '@tiptap/core';
import Highlight from '@tiptap/extension-highlight';
import { TaskItem, TaskList } from '@tiptap/extension-list';
import StarterKit from '@tiptap/starter-kit';

/** The Y.XmlFragment every Tandem rich-text document lives in. */
export const DOCUMENT_FIELD = 'default';

/**
 * The content extensions of a Tandem document: StarterKit (paragraphs, headings, lists, quotes,
 * code, links, underline...) with its own undo/redo off, because Yjs is the history; highlight;
 * task lists, whose items may nest. Editors add behaviour (collaboration, placeholder, presence)
 * on top, never content.
 */
export function schemaExtensions(): AnyExtension[] {
  return [StarterKit.configure({ undoRedo: false }), Highlight, TaskList, TaskItem.configure({ nested: true })];
}
