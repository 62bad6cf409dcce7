/**
 * The editor's Tiptap extensions for one document session: the document's content types (the
 * default schema, shared/schema.ts, with the app's own extensions added or put in place of a
 * default of the same name), Collaboration on the XmlFragment `default` with undo and redo of
 * this client's own changes (Y.UndoManager tracks only the local sync origin), bound only while
 * the document holds nothing this schema lacks (document-guard.ts), a placeholder, and Tandem
 * presence (carets, selections, pointers).
 */
import { Extension, flattenExtensions, getSchema, type AnyExtension } from '@tiptap/core';
import Collaboration, { type CollaborationOptions, type CollaborationStorage } from '@tiptap/extension-collaboration';
import type { Schema } from '@tiptap/pm/model';
import { ySyncPluginKey } from '@tiptap/y-tiptap';
import { Placeholder } from '@tiptap/extensions';
import type * as Y from 'yjs';
import type { Awareness } from 'y-protocols/awareness';
import type { FrameScheduler } from '../presence/interpolator.js';
import { presencePlugin } from '../presence/presence-plugin.js';
import { DOCUMENT_FIELD, schemaExtensions } from '../../shared/schema.js';
import { guardSyncPlugin, watchDocument, type DocumentWatch } from './document-guard.js';

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

/** Options of {@link GuardedCollaboration}: Collaboration's, and the guard. */
export interface GuardedCollaborationOptions extends CollaborationOptions {
  /**
   * The check the editor binds under (see watchDocument). Without one, the editor watches the
   * document against its own schema, and stops the watch when destroyed.
   */
  guard: Pick<DocumentWatch, 'current' | 'subscribe'> | null;
}

/** What {@link GuardedCollaboration} keeps per editor. */
export interface GuardedCollaborationStorage extends CollaborationStorage {
  ownWatch: DocumentWatch | null;
}

/**
 * Tiptap's Collaboration, whose Yjs binding never renders a document holding a type the
 * editor's schema lacks (y-prosemirror would delete it for everyone): it binds only while the
 * guard says `ok`, and unbinds, leaving a read-only view, when it stops saying so.
 */
export const GuardedCollaboration = Collaboration.extend<GuardedCollaborationOptions, GuardedCollaborationStorage>({
  addOptions() {
    return { ...this.parent?.(), field: DOCUMENT_FIELD, guard: null };
  },
  addStorage() {
    return { isDisabled: false, ownWatch: null };
  },
  addProseMirrorPlugins() {
    const plugins = this.parent?.() ?? [];
    const { document, guard } = this.options;
    if (document == null) throw new Error('GuardedCollaboration needs the session document');
    let check = guard;
    if (check === null) {
      this.storage.ownWatch?.stop();
      this.storage.ownWatch = watchDocument(document, { format: 'richtext', schema: this.editor.schema });
      check = this.storage.ownWatch;
    }
    const sync = plugins.find((plugin) => plugin.spec.key === ySyncPluginKey);
    if (sync === undefined) throw new Error('GuardedCollaboration found no Yjs sync plugin');
    guardSyncPlugin(sync, check);
    return plugins;
  },
  onDestroy() {
    this.storage.ownWatch?.stop();
    this.storage.ownWatch = null;
  },
});

/**
 * The content extensions of an editor: the default schema with `extensions` added, each
 * replacing a default of the same name (so `StarterKit.configure({ ... })` replaces Tandem's
 * StarterKit). Tiptap's own undo/redo cannot be among them (Yjs is the history), nor
 * Collaboration (Tandem binds the document, guarded).
 * @example
 * contentExtensions([Highlight.configure({ multicolor: true }), Callout]);
 */
export function contentExtensions(extensions: readonly AnyExtension[] = []): AnyExtension[] {
  const replaced = new Set(extensions.map((extension) => extension.name));
  const merged = [...schemaExtensions().filter((extension) => !replaced.has(extension.name)), ...extensions];
  const names = new Set(flattenExtensions(merged).map((extension) => extension.name));
  if (names.has('undoRedo')) {
    throw new Error("Tandem editors take no 'undoRedo' extension: Yjs is the history. Configure StarterKit with { undoRedo: false }.");
  }
  // A second, unguarded binding would delete what this schema cannot hold.
  if (names.has('collaboration')) throw new Error("Tandem editors take no 'collaboration' extension: Tandem binds the document itself, guarded.");
  return merged;
}

/** The ProseMirror schema of an editor with `extensions` (see {@link contentExtensions}). */
export function editorSchema(extensions: readonly AnyExtension[] = []): Schema {
  return getSchema(contentExtensions(extensions));
}

/** Options of {@link tandemExtensions}. */
export interface TandemExtensionsOptions {
  doc: Y.Doc;
  awareness: Awareness;
  /**
   * The app's content extensions (nodes, marks, and their commands), added to the default
   * schema or replacing a default of the same name; see {@link contentExtensions}.
   */
  extensions?: readonly AnyExtension[] | undefined;
  /** The check the editor binds under; by default the editor checks against its own schema. */
  guard?: Pick<DocumentWatch, 'current' | 'subscribe'> | undefined;
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
    ...contentExtensions(options.extensions),
    GuardedCollaboration.configure({ document: options.doc, field: DOCUMENT_FIELD, guard: options.guard ?? null }),
    // An app's own placeholder replaces Tandem's.
    ...(options.extensions?.some((extension) => extension.name === 'placeholder')
      ? []
      : [Placeholder.configure({ placeholder: options.placeholder ?? DEFAULT_PLACEHOLDER })]),
    TandemPresence.configure({ awareness: options.awareness, pointer: options.pointer ?? true }),
  ];
}
