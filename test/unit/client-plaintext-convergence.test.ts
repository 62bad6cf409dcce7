// @vitest-environment happy-dom
/**
 * Seeded convergence of the plain-text binding: three ProseMirror views, each bound to its own
 * replica, and one script editing a fourth replica's Y.Text directly. Updates travel through an
 * in-memory network that delivers them in seeded random order and drops replicas off and back on
 * (they resync by state vector, as y-websocket does). At the end every view shows its replica's
 * Y.Text and every replica holds the same text. A failure names its seed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { getSchema } from '@tiptap/core';
import { EditorState, TextSelection } from '@tiptap/pm/state';
import { EditorView } from '@tiptap/pm/view';
import * as prng from 'lib0/prng';
import * as Y from 'yjs';
import { plaintextSyncPlugin } from '../../client/editor/plaintext-binding.js';
import { PlainDocument, PlainLine, PlainText, positionAt, sliceOfText, textOf } from '../../client/editor/plaintext-schema.js';
import { withSeed, type Rng } from '../helpers/seed.js';

const schema = getSchema([PlainDocument, PlainLine, PlainText]);
const NETWORK = Symbol('network');

interface Replica {
  doc: Y.Doc;
  online: boolean;
  /** Updates sent to this replica, not yet delivered. */
  inbox: Uint8Array[];
  view: EditorView | null;
}

/** Replicas joined by a network that delivers in seeded random order. */
class Network {
  readonly replicas: Replica[] = [];

  add(view: (doc: Y.Doc) => EditorView | null): Replica {
    const replica: Replica = { doc: new Y.Doc(), online: true, inbox: [], view: null };
    replica.view = view(replica.doc);
    replica.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === NETWORK || !replica.online) return;
      for (const other of this.replicas) if (other !== replica && other.online) other.inbox.push(update);
    });
    this.replicas.push(replica);
    return replica;
  }

  /** Delivers one pending update to a random online replica; false when nothing is pending. */
  deliverOne(rng: Rng): boolean {
    const waiting = this.replicas.filter((replica) => replica.online && replica.inbox.length > 0);
    if (waiting.length === 0) return false;
    const replica = prng.oneOf(rng, waiting);
    const update = replica.inbox.splice(prng.uint32(rng, 0, replica.inbox.length - 1), 1)[0]!;
    Y.applyUpdate(replica.doc, update, NETWORK);
    return true;
  }

  disconnect(replica: Replica): void {
    replica.online = false;
    replica.inbox = [];
  }

  /** Back online: exchanges state-vector diffs with every online replica, as a reconnect does. */
  reconnect(replica: Replica): void {
    replica.online = true;
    for (const other of this.replicas) {
      if (other === replica || !other.online) continue;
      other.inbox.push(Y.encodeStateAsUpdate(replica.doc, Y.encodeStateVector(other.doc)));
      replica.inbox.push(Y.encodeStateAsUpdate(other.doc, Y.encodeStateVector(replica.doc)));
    }
  }

  destroy(): void {
    for (const replica of this.replicas) {
      replica.view?.dom.parentElement?.remove();
      replica.view?.destroy();
      replica.doc.destroy();
    }
  }
}

function boundView(doc: Y.Doc): EditorView {
  const host = document.createElement('div');
  document.body.appendChild(host);
  return new EditorView(host, { state: EditorState.create({ schema, plugins: [plaintextSyncPlugin(doc.getText('text'), {})] }) });
}

const WORDS = ['a', 'tandem', ' ', '\n', 'x\ny', 'é', '🙂', '🙃', 'line\n\n', 'zz'];

/**
 * `index`, moved off the middle of a surrogate pair: a browser never puts a caret there, and a
 * script that split a character would leave Yjs storing halves as U+FFFD.
 */
function snap(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return index > 0 && code >= 0xdc00 && code <= 0xdfff ? index - 1 : index;
}

/** A random edit typed into a view: insert at a caret, delete a range, paste lines over a selection. */
function editView(rng: Rng, view: EditorView): void {
  const current = textOf(view.state.doc);
  const length = current.length;
  const from = snap(current, prng.uint32(rng, 0, length));
  const to = snap(current, Math.min(length, from + prng.uint32(rng, 0, 4)));
  const doc = view.state.doc;
  view.dispatch(view.state.tr.setSelection(TextSelection.create(doc, positionAt(doc, from), positionAt(doc, to))));
  const kind = prng.uint32(rng, 0, 2);
  if (kind === 0 && from !== to) view.dispatch(view.state.tr.deleteSelection());
  else if (kind === 1) view.dispatch(view.state.tr.split(view.state.selection.from));
  else view.dispatch(view.state.tr.replaceSelection(sliceOfText(schema, prng.oneOf(rng, WORDS))));
}

/** A random edit by a script on the Y.Text itself, surrogate pairs kept whole. */
function editText(rng: Rng, text: Y.Text): void {
  const current = text.toString();
  const length = current.length;
  if (length > 0 && prng.bool(rng)) {
    const index = snap(current, prng.uint32(rng, 0, length - 1));
    const end = snap(current, Math.min(length, index + prng.uint32(rng, 1, 3)));
    if (end > index) text.delete(index, end - index);
  } else {
    text.insert(snap(current, prng.uint32(rng, 0, length)), prng.oneOf(rng, WORDS));
  }
}

let network: Network | null = null;

afterEach(() => {
  network?.destroy();
  network = null;
});

describe('plain-text convergence', () => {
  it('three bound editors and a script on the Y.Text converge through random concurrent edits and disconnects', async () => {
    await withSeed(async (rng) => {
      const net = new Network();
      network = net;
      const editors = [net.add(boundView), net.add(boundView), net.add(boundView)];
      const script = net.add(() => null);
      await Promise.resolve();
      for (let round = 0; round < 400; round += 1) {
        const roll = prng.uint32(rng, 0, 99);
        const replica = prng.oneOf(rng, net.replicas);
        if (roll < 40) {
          if (replica.view === null) editText(rng, replica.doc.getText('text'));
          else editView(rng, replica.view);
        } else if (roll < 44) {
          if (replica.online) net.disconnect(replica);
          else net.reconnect(replica);
        } else {
          net.deliverOne(rng);
        }
      }
      for (const replica of net.replicas) if (!replica.online) net.reconnect(replica);
      while (net.deliverOne(rng));
      const expected = script.doc.getText('text').toString();
      for (const replica of net.replicas) expect(replica.doc.getText('text').toString()).toBe(expected);
      for (const { view, doc } of editors) expect(textOf(view!.state.doc)).toBe(doc.getText('text').toString());
      expect(expected.length).toBeGreaterThan(0);
    });
  });
});
