/**
 * Tandem's binding between a ProseMirror editor with the plain-text schema and a Y.Text.
 *
 * Local: after every view update that changed the document, the old and new texts are diffed
 * (see text-diff.ts) and the one replacement is applied to the Y.Text under the binding's origin.
 * Remote: every Y.Text event from another origin becomes one ProseMirror transaction built from
 * the event's delta, so ProseMirror maps the local selection through it. The origin check in one
 * direction and the `applyingRemote` flag in the other keep edits from echoing.
 */
import { Plugin, PluginKey, TextSelection, type EditorState, type Selection, type Transaction } from '@tiptap/pm/state';
import type { EditorView } from '@tiptap/pm/view';
import type * as Y from 'yjs';
import { positionAt, sliceOfText, textIndexAt, textOf } from './plaintext-schema.js';
import { diffText } from '../../shared/text-diff.js';

/** The binding's plugin state: which Y.Text it binds, and whether the last transaction came from it. */
export interface PlaintextSyncState {
  readonly text: Y.Text;
  /** True once the editor shows the Y.Text (positions map from then on). */
  readonly ready: boolean;
  /** True when the transaction just applied came from the Y.Text (a remote edit or an undo). */
  readonly remote: boolean;
}

/** The plugin's key; its state is a {@link PlaintextSyncState}. */
export const plaintextSyncKey = new PluginKey<PlaintextSyncState>('tandemPlaintextSync');

interface SyncMeta {
  ready: boolean;
}

/** The binding state of an editor, or null when it is not a bound plain-text editor. */
export function plaintextState(state: EditorState): PlaintextSyncState | null {
  return plaintextSyncKey.getState(state) ?? null;
}

/**
 * Binds the editor to `text`. `origin` tags every local change written to the Y.Text, so an
 * undo manager tracking it undoes exactly this editor's edits.
 * @example
 * const origin = {};
 * EditorState.create({ schema, plugins: [plaintextSyncPlugin(doc.getText('text'), origin)] });
 */
export function plaintextSyncPlugin(text: Y.Text, origin: object): Plugin<PlaintextSyncState> {
  return new Plugin<PlaintextSyncState>({
    key: plaintextSyncKey,
    state: {
      init: () => ({ text, ready: false, remote: false }),
      apply(tr, previous) {
        const meta = tr.getMeta(plaintextSyncKey) as SyncMeta | undefined;
        const ready = previous.ready || meta?.ready === true;
        const remote = meta !== undefined;
        return ready === previous.ready && remote === previous.remote ? previous : { text, ready, remote };
      },
    },
    view: (view) => new PlaintextBinding(view, text, origin),
  });
}

/**
 * A remote insert exactly at the local caret goes after it: the writer's caret stays where they
 * were typing, so two people typing at one spot write whole words, not interleaved letters.
 */
function keepCaretBeforeRemoteText(tr: Transaction, caret: Selection): Transaction {
  if (!caret.empty) return tr;
  return tr.setSelection(TextSelection.create(tr.doc, tr.mapping.map(caret.head, -1)));
}

class PlaintextBinding {
  private applyingRemote = false;
  private destroyed = false;

  constructor(
    private readonly view: EditorView,
    private readonly text: Y.Text,
    private readonly origin: object,
  ) {
    text.observe(this.onTextChange);
    // Editors (Tiptap among them) add plugins while the view is still being built, when a
    // dispatch cannot run yet: show the Y.Text right after.
    queueMicrotask(() => {
      if (!this.destroyed && !this.view.isDestroyed) this.showWholeText(true);
    });
  }

  update(view: EditorView, previous: EditorState): void {
    if (this.applyingRemote || previous.doc.eq(view.state.doc) || plaintextSyncKey.getState(view.state)?.ready !== true) return;
    const after = textOf(view.state.doc);
    const edit = diffText(this.text.toString(), after, textIndexAt(view.state.doc, view.state.selection.head));
    if (edit === null) return;
    this.text.doc?.transact(() => {
      if (edit.deleteCount > 0) this.text.delete(edit.index, edit.deleteCount);
      if (edit.insert.length > 0) this.text.insert(edit.index, edit.insert);
    }, this.origin);
  }

  destroy(): void {
    this.destroyed = true;
    this.text.unobserve(this.onTextChange);
  }

  private readonly onTextChange = (event: Y.YTextEvent, transaction: Y.Transaction): void => {
    if (transaction.origin === this.origin || this.view.isDestroyed) return;
    if (plaintextSyncKey.getState(this.view.state)?.ready !== true) return;
    const tr = this.view.state.tr;
    let index = 0;
    for (const op of event.delta) {
      if (op.retain !== undefined) {
        index += op.retain;
      } else if (op.delete !== undefined) {
        tr.delete(positionAt(tr.doc, index), positionAt(tr.doc, index + op.delete));
      } else if (typeof op.insert === 'string') {
        const at = positionAt(tr.doc, index);
        tr.replace(at, at, sliceOfText(tr.doc.type.schema, op.insert));
        index += op.insert.length;
      }
    }
    // A delta always matches the text the editor showed; should they ever differ, the editor
    // takes the Y.Text whole rather than drift.
    if (textOf(tr.doc) !== this.text.toString()) {
      this.showWholeText(false);
      return;
    }
    this.dispatchRemote(keepCaretBeforeRemoteText(tr, this.view.state.selection), false);
  };

  /** Makes the editor show the Y.Text with one replacement, so the selection maps through it. */
  private showWholeText(ready: boolean): void {
    const { state } = this.view;
    const tr = state.tr;
    const edit = diffText(textOf(state.doc), this.text.toString());
    if (edit !== null) {
      const from = positionAt(state.doc, edit.index);
      tr.replace(from, positionAt(state.doc, edit.index + edit.deleteCount), sliceOfText(state.schema, edit.insert));
    }
    this.dispatchRemote(tr, ready);
  }

  private dispatchRemote(tr: Transaction, ready: boolean): void {
    tr.setMeta(plaintextSyncKey, { ready } satisfies SyncMeta);
    tr.setMeta('addToHistory', false);
    this.applyingRemote = true;
    try {
      this.view.dispatch(tr);
    } finally {
      this.applyingRemote = false;
    }
  }
}
