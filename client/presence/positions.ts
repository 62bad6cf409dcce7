/**
 * Caret positions on the wire are Yjs relative positions (JSON form), as y-prosemirror and
 * Tiptap's CollaborationCaret publish them: they survive concurrent edits, unlike offsets.
 * These helpers convert between them and ProseMirror positions through the sync plugin's
 * binding (rich text) or through the line map onto the Y.Text (plain text), and are the only
 * place that reads the bindings' internals.
 */
import type { EditorState } from '@tiptap/pm/state';
import * as Y from 'yjs';
import { absolutePositionToRelativePosition, relativePositionToAbsolutePosition, ySyncPluginKey } from '@tiptap/y-tiptap';
import type { PresenceCursor } from '../../shared/presence.js';
import { plaintextState } from '../editor/plaintext-binding.js';
import { positionAt, textIndexAt } from '../editor/plaintext-schema.js';

interface SyncPluginState {
  doc: Y.Doc;
  type: Y.XmlFragment;
  binding: { mapping: Map<Y.AbstractType<unknown>, unknown> } | null;
  snapshot: unknown;
  prevSnapshot: unknown;
}

function syncState(state: EditorState): SyncPluginState | null {
  const ystate = ySyncPluginKey.getState(state) as SyncPluginState | undefined;
  if (ystate === undefined || ystate.binding === null || ystate.binding === undefined) return null;
  // While a snapshot is shown, or before the first render, positions do not map to the document.
  if (ystate.snapshot != null || ystate.prevSnapshot != null || ystate.binding.mapping.size === 0) return null;
  return ystate;
}

/** The `cursor` field of a peer's state if it has the shape of one, else null. */
export function asPresenceCursor(value: unknown): PresenceCursor | null {
  return typeof value === 'object' && value !== null && 'anchor' in value && 'head' in value ? (value as PresenceCursor) : null;
}

/** A ProseMirror selection as a presence cursor, or null when the binding is not ready. */
export function cursorFromSelection(state: EditorState): PresenceCursor | null {
  const plain = plaintextState(state);
  if (plain !== null) {
    if (!plain.ready) return null;
    const relative = (pos: number) => Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(plain.text, textIndexAt(state.doc, pos)));
    return { anchor: relative(state.selection.anchor), head: relative(state.selection.head) };
  }
  const ystate = syncState(state);
  if (ystate === null) return null;
  const { mapping } = ystate.binding as { mapping: Map<Y.AbstractType<unknown>, never> };
  const anchor = absolutePositionToRelativePosition(state.selection.anchor, ystate.type, mapping) as Y.RelativePosition;
  const head = absolutePositionToRelativePosition(state.selection.head, ystate.type, mapping) as Y.RelativePosition;
  return { anchor: Y.relativePositionToJSON(anchor), head: Y.relativePositionToJSON(head) };
}

/** True when two presence cursors denote the same positions. */
export function sameCursor(a: PresenceCursor, b: PresenceCursor): boolean {
  return (
    Y.compareRelativePositions(Y.createRelativePositionFromJSON(a.anchor), Y.createRelativePositionFromJSON(b.anchor)) &&
    Y.compareRelativePositions(Y.createRelativePositionFromJSON(a.head), Y.createRelativePositionFromJSON(b.head))
  );
}

/** A presence cursor as ProseMirror positions in `state`, or null when it does not resolve here. */
export function resolveCursor(state: EditorState, cursor: PresenceCursor): { anchor: number; head: number } | null {
  const plain = plaintextState(state);
  if (plain !== null) return plain.ready ? resolvePlaintextCursor(state, plain.text, cursor) : null;
  const ystate = syncState(state);
  if (ystate === null) return null;
  const { mapping } = ystate.binding as { mapping: Map<Y.AbstractType<unknown>, never> };
  try {
    const anchor = relativePositionToAbsolutePosition(ystate.doc, ystate.type, Y.createRelativePositionFromJSON(cursor.anchor), mapping);
    const head = relativePositionToAbsolutePosition(ystate.doc, ystate.type, Y.createRelativePositionFromJSON(cursor.head), mapping);
    if (anchor === null || head === null) return null;
    const max = Math.max(state.doc.content.size - 1, 0);
    return { anchor: Math.min(anchor, max), head: Math.min(head, max) };
  } catch {
    // A peer's cursor is untrusted input: a malformed relative position must not break the view.
    return null;
  }
}

/** A presence cursor on the Y.Text `text` as ProseMirror positions, or null when it points elsewhere. */
function resolvePlaintextCursor(state: EditorState, text: Y.Text, cursor: PresenceCursor): { anchor: number; head: number } | null {
  const doc = text.doc;
  if (doc === null) return null;
  const resolve = (json: unknown): number | null => {
    const absolute = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(json), doc);
    return absolute === null || absolute.type !== text ? null : positionAt(state.doc, absolute.index);
  };
  try {
    const anchor = resolve(cursor.anchor);
    const head = resolve(cursor.head);
    return anchor === null || head === null ? null : { anchor, head };
  } catch {
    // A peer's cursor is untrusted input: a malformed relative position must not break the view.
    return null;
  }
}

/** True when the transaction that made `state` brought a change from the shared document (a remote edit or an undo). */
export function isRemoteChange(state: EditorState): boolean {
  if (plaintextState(state)?.remote === true) return true;
  return (ySyncPluginKey.getState(state) as { isChangeOrigin?: boolean } | undefined)?.isChangeOrigin === true;
}
