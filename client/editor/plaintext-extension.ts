/**
 * The plain-text counterpart of Tiptap's Collaboration extension: binds the editor to the
 * Y.Text `text` (see plaintext-binding.ts), undoes and redoes this writer's own edits through a
 * Y.UndoManager that tracks only the binding's origin, and keeps text plain across the clipboard:
 * lines in, lines out, no formatting.
 */
import { Extension, type AnyExtension, type CommandProps } from '@tiptap/core';
import { Placeholder } from '@tiptap/extensions';
import { Plugin } from '@tiptap/pm/state';
import * as Y from 'yjs';
import { PLAINTEXT_FIELD } from '../../shared/document-format.js';
import { DEFAULT_PLACEHOLDER, TandemPresence, type TandemExtensionsOptions } from './extensions.js';
import { plaintextSyncPlugin } from './plaintext-binding.js';
import { PlainDocument, PlainLine, PlainText, sliceOfText } from './plaintext-schema.js';

/** Options of {@link PlaintextCollaboration}. */
export interface PlaintextCollaborationOptions {
  document: Y.Doc | null;
  /** The Y.Text's name in the document (default `text`). */
  field: string;
}

/** What {@link PlaintextCollaboration} keeps per editor. */
export interface PlaintextCollaborationStorage {
  undoManager: Y.UndoManager | null;
}

const normalizeNewlines = (text: string): string => text.replace(/\r\n?/g, '\n');

/** Binds a plain-text Tiptap editor to a Y.Text, with undo and redo of own changes. */
export const PlaintextCollaboration = Extension.create<PlaintextCollaborationOptions, PlaintextCollaborationStorage>({
  name: 'plaintextCollaboration',
  // Before Tiptap's core clipboard serializer, which separates lines by blank lines.
  priority: 1000,

  addOptions() {
    return { document: null, field: PLAINTEXT_FIELD };
  },

  addStorage() {
    return { undoManager: null };
  },

  addCommands() {
    const step =
      (direction: 'undo' | 'redo') =>
      () =>
      ({ tr, dispatch }: CommandProps) => {
        const manager = this.storage.undoManager;
        const stack = direction === 'undo' ? manager?.undoStack : manager?.redoStack;
        if (manager === null || stack === undefined || stack.length === 0) return false;
        // The Y.Text change reaches the editor as its own transaction; the command's must not
        // follow it with the stale document it was built on.
        tr.setMeta('preventDispatch', true);
        if (dispatch !== undefined) manager[direction]();
        return true;
      };
    return { undo: step('undo'), redo: step('redo') };
  },

  addKeyboardShortcuts() {
    return {
      'Mod-z': () => this.editor.commands.undo(),
      'Mod-y': () => this.editor.commands.redo(),
      'Shift-Mod-z': () => this.editor.commands.redo(),
    };
  },

  addProseMirrorPlugins() {
    const { document, field } = this.options;
    if (document === null) throw new Error('PlaintextCollaboration needs the session document');
    const text = document.getText(field);
    const origin = { binding: 'tandem-plaintext' };
    this.storage.undoManager?.destroy();
    this.storage.undoManager = new Y.UndoManager(text, { trackedOrigins: new Set([origin]) });
    return [
      plaintextSyncPlugin(text, origin),
      new Plugin({
        props: {
          clipboardTextSerializer: (slice) => slice.content.textBetween(0, slice.content.size, '\n'),
          clipboardTextParser: (pasted, _context, _plain, view) => sliceOfText(view.state.schema, normalizeNewlines(pasted)),
          // Formatted content from elsewhere comes in as its text, line for line.
          handlePaste(view, event) {
            const pasted = event.clipboardData?.getData('text/plain') ?? '';
            if (pasted.length === 0) return false;
            view.dispatch(view.state.tr.replaceSelection(sliceOfText(view.state.schema, normalizeNewlines(pasted))).scrollIntoView());
            return true;
          },
        },
      }),
    ];
  },

  onDestroy() {
    this.storage.undoManager?.destroy();
    this.storage.undoManager = null;
  },
});

/**
 * Everything a collaborative plain-text Tandem editor needs: the line schema, the Y.Text binding,
 * and the same placeholder and presence as rich text.
 * @example
 * new Editor({ extensions: plaintextExtensions({ doc: session.doc, awareness: session.awareness }) });
 */
export function plaintextExtensions(options: TandemExtensionsOptions): AnyExtension[] {
  return [
    PlainDocument,
    PlainLine,
    PlainText,
    PlaintextCollaboration.configure({ document: options.doc }),
    Placeholder.configure({ placeholder: options.placeholder ?? DEFAULT_PLACEHOLDER }),
    TandemPresence.configure({ awareness: options.awareness, pointer: options.pointer ?? true }),
  ];
}
