/**
 * The editor's Tiptap extensions for one document session: StarterKit without its own history
 * (Yjs is the history), Collaboration on the XmlFragment `default` with undo and redo of this
 * client's own changes (Y.UndoManager tracks only the local sync origin), a placeholder, and
 * Tandem presence (carets, selections, pointers).
 */
import { Extension, type AnyExtension } from '@tiptap/core';
import Collaboration from '@tiptap/extension-collaboration';
import { Placeholder } from '@tiptap/extensions';
import type * as Y from 'yjs';
import type { Awareness } from 'y-protocols/awareness';
import type { FrameScheduler } from '../presence/interpolator.js';
import { presencePlugin } from '../presence/presence-plugin.js';
import { DOCUMENT_FIELD, schemaExtensions } from '../../shared/schema.js';

export { DOCUMENT_FIELD } from '../../shared/schema.js';

/** Options of {@link TandemPresence}. */
export interface TandemPresenceOptions {
  awareness: Awareness | null;
  /** Publish the mouse pointer (default true). */
  pointer: boolean;
  /** Frame source for cursor motion (tests and benchmarks). */
  scheduler: FrameScheduler | undefined;
}

/** Carets, selections and pointers of everyone in the document, wire-compatible with CollaborationCaret. */
export const TandemPresence = Extension.create<TandemPresenceOptions>({
  name: 'tandemPresence',
  addOptions() {
    return { awareness: null, pointer: true, scheduler: undefined };
  },
  addProseMirrorPlugins() {
    const { awareness, pointer, scheduler } = this.options;
    if (awareness === null) throw new Error('TandemPresence needs the session awareness');
    return [presencePlugin({ awareness, pointer, ...(scheduler === undefined ? {} : { scheduler }) })];
  },
});

/** Options of {@link tandemExtensions}. */
export interface TandemExtensionsOptions {
  doc: Y.Doc;
  awareness: Awareness;
  /** Shown in an empty document. */
  placeholder?: string | undefined;
  /** Publish the mouse pointer (default true). */
  pointer?: boolean | undefined;
}

/** Default placeholder of an empty document. */
export const DEFAULT_PLACEHOLDER = 'Start writing…';

/**
 * Everything a collaborative Tandem editor needs. No `content` option goes with it: initial
 * content comes from the server, once, never from every client.
 * @example
 * new Editor({ extensions: tandemExtensions({ doc: session.doc, awareness: session.awareness }) });
 */
export function tandemExtensions(options: TandemExtensionsOptions): AnyExtension[] {
  return [
    ...schemaExtensions(),
    Collaboration.configure({ document: options.doc, field: DOCUMENT_FIELD }),
    Placeholder.configure({ placeholder: options.placeholder ?? DEFAULT_PLACEHOLDER }),
    TandemPresence.configure({ awareness: options.awareness, pointer: options.pointer ?? true }),
  ];
}
