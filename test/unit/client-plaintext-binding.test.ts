// @vitest-environment happy-dom
/**
 * The plain-text binding on a real ProseMirror view: local transactions reach the Y.Text as the
 * smallest edits, Y.Text events reach the view and keep the local selection on its text, and
 * nothing echoes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { getSchema } from '@tiptap/core';
import { EditorState, TextSelection } from '@tiptap/pm/state';
import { EditorView } from '@tiptap/pm/view';
import * as Y from 'yjs';
import { plaintextState, plaintextSyncPlugin } from '../../client/editor/plaintext-binding.js';
import { PlainDocument, PlainLine, PlainText, positionAt, sliceOfText, textIndexAt, textOf } from '../../client/editor/plaintext-schema.js';

const schema = getSchema([PlainDocument, PlainLine, PlainText]);

interface Bound {
  doc: Y.Doc;
  text: Y.Text;
  view: EditorView;
  origin: object;
}

const opened: Bound[] = [];

/** A view bound to a fresh Y.Text holding `initial`, once the binding has shown it. */
async function bind(initial = ''): Promise<Bound> {
  const doc = new Y.Doc();
  const text = doc.getText('text');
  text.insert(0, initial);
  const origin = {};
  const host = document.createElement('div');
  document.body.appendChild(host);
  const view = new EditorView(host, { state: EditorState.create({ schema, plugins: [plaintextSyncPlugin(text, origin)] }) });
  const bound = { doc, text, view, origin };
  opened.push(bound);
  await Promise.resolve();
  expect(plaintextState(view.state)?.ready).toBe(true);
  return bound;
}

/** Puts the caret (or a selection) at text indexes. */
function select({ view }: Bound, anchor: number, head = anchor): void {
  const doc = view.state.doc;
  view.dispatch(view.state.tr.setSelection(TextSelection.create(doc, positionAt(doc, anchor), positionAt(doc, head))));
}

/** The selection as text indexes. */
function selection({ view }: Bound): [number, number] {
  return [textIndexAt(view.state.doc, view.state.selection.anchor), textIndexAt(view.state.doc, view.state.selection.head)];
}

/** Records the Y.Text deltas written under the binding's origin. */
function recordLocalDeltas({ text, origin }: Bound): unknown[] {
  const deltas: unknown[] = [];
  text.observe((event, transaction) => {
    if (transaction.origin === origin) deltas.push(event.delta);
  });
  return deltas;
}

afterEach(() => {
  for (const { view, doc } of opened.splice(0)) {
    view.dom.parentElement?.remove();
    view.destroy();
    doc.destroy();
  }
});

describe('the plain-text binding', () => {
  it('shows the Y.Text it is bound to, one paragraph per line', async () => {
    const { view } = await bind('first\n\nthird');
    expect(view.state.doc.childCount).toBe(3);
    expect(textOf(view.state.doc)).toBe('first\n\nthird');
  });

  it('maps text indexes and document positions both ways across lines', async () => {
    const { view } = await bind('ab\ncd\n');
    const doc = view.state.doc;
    for (let index = 0; index <= 6; index += 1) expect(textIndexAt(doc, positionAt(doc, index))).toBe(index);
    expect(positionAt(doc, 3)).toBe(5);
  });

  it('writes a typed character to the Y.Text as one insert at the caret', async () => {
    const bound = await bind('aa');
    const deltas = recordLocalDeltas(bound);
    select(bound, 1);
    bound.view.dispatch(bound.view.state.tr.insertText('a'));
    expect(bound.text.toString()).toBe('aaa');
    expect(deltas).toEqual([[{ retain: 1 }, { insert: 'a' }]]);
  });

  it('writes Enter as a newline and joining two lines as deleting it', async () => {
    const bound = await bind('hello world');
    select(bound, 5);
    const { view } = bound;
    view.dispatch(view.state.tr.split(view.state.selection.from));
    expect(bound.text.toString()).toBe('hello\n world');
    const deltas = recordLocalDeltas(bound);
    view.dispatch(view.state.tr.delete(positionAt(view.state.doc, 5), positionAt(view.state.doc, 6)));
    expect(bound.text.toString()).toBe('hello world');
    expect(deltas).toEqual([[{ retain: 5 }, { delete: 1 }]]);
  });

  it('writes a multi-line paste over a selection as one replacement', async () => {
    const bound = await bind('one two three');
    select(bound, 4, 7);
    const { view } = bound;
    view.dispatch(view.state.tr.replaceSelection(sliceOfText(schema, 'A\nB\n\nC')));
    expect(bound.text.toString()).toBe('one A\nB\n\nC three');
    expect(textOf(view.state.doc)).toBe('one A\nB\n\nC three');
    expect(selection(bound)).toEqual([10, 10]);
  });

  it('applies a remote multi-line insert and delete without writing them back', async () => {
    const bound = await bind('line one\nline two');
    const deltas = recordLocalDeltas(bound);
    bound.text.insert(8, '\nnew\nlines');
    expect(textOf(bound.view.state.doc)).toBe('line one\nnew\nlines\nline two');
    bound.text.delete(4, 10);
    expect(textOf(bound.view.state.doc)).toBe('lineines\nline two');
    expect(bound.view.state.doc.childCount).toBe(2);
    expect(deltas).toEqual([]);
  });

  it('keeps the local selection on its text when remote edits land before, after and inside it', async () => {
    const bound = await bind('0123456789');
    select(bound, 3, 6);
    bound.text.insert(8, 'after');
    expect(selection(bound)).toEqual([3, 6]);
    bound.text.insert(0, 'xy\n');
    expect(selection(bound)).toEqual([6, 9]);
    bound.text.insert(7, 'IN');
    expect(selection(bound)).toEqual([6, 11]);
    bound.text.delete(0, 3);
    expect(selection(bound)).toEqual([3, 8]);
    expect(textOf(bound.view.state.doc)).toBe('0123IN4567after89');
  });

  it('keeps the caret before text a peer inserts exactly at it', async () => {
    const bound = await bind('ab');
    select(bound, 1);
    bound.text.insert(1, 'PEER');
    expect(selection(bound)).toEqual([1, 1]);
    bound.view.dispatch(bound.view.state.tr.insertText('me'));
    expect(bound.text.toString()).toBe('amePEERb');
  });

  it('converges two views bound to two replicas of one document', async () => {
    const left = await bind('shared');
    const right = await bind();
    const relay = (from: Y.Doc, to: Y.Doc) => from.on('update', (update: Uint8Array) => Y.applyUpdate(to, update, 'relay'));
    Y.applyUpdate(right.doc, Y.encodeStateAsUpdate(left.doc));
    relay(left.doc, right.doc);
    relay(right.doc, left.doc);
    expect(textOf(right.view.state.doc)).toBe('shared');
    select(left, 6);
    left.view.dispatch(left.view.state.tr.insertText(' text'));
    select(right, 0);
    right.view.dispatch(right.view.state.tr.replaceSelection(sliceOfText(schema, 'a\nb ')));
    expect(textOf(left.view.state.doc)).toBe('a\nb shared text');
    expect(textOf(right.view.state.doc)).toBe('a\nb shared text');
  });
});
