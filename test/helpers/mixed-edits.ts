/**
 * The same random edits made through Yjs or through Yrs (ywasm): text with emoji and formatting,
 * a map, an array, and Tiptap-like XML (paragraphs holding formatted XmlText), with deletions.
 * Each replica picks its edits from its own current state, so concurrent replicas make
 * concurrent, conflicting edits. Replicas compare with the stored document by state vector and
 * delete set (the same structs and deletions), and by content as their own implementation reads
 * it against that implementation's reading of the stored document.
 */
import * as prng from 'lib0/prng';
import * as Y from 'yjs';
import * as yw from 'ywasm';
import type { TestClient } from './clients.js';
import type { Rng } from './seed.js';
import { waitFor } from './wait-for.js';
import { applyRemoteUpdate, type YrsClient } from './yrs-client.js';

/** Attribute sets a formatting edit applies (null removes a mark). */
const FORMATS: Record<string, unknown>[] = [{ bold: true }, { italic: true }, { bold: null }, { bold: true, italic: true }];
/** Pieces of inserted text: ASCII, accents and astral emoji (two UTF-16 units each). */
const PIECES = ['a', 'bc', 'é', '👍', '🎉x', ' ', 'ß€'];

/** Which implementation of the CRDT a replica runs. */
export type Implementation = 'yjs' | 'yrs';

/** A replica of the shared document, whichever implementation edits it. */
export interface Replica {
  readonly label: string;
  readonly implementation: Implementation;
  /** Makes one random edit. */
  edit(rng: Rng): void;
  /** The content as the replica's own implementation reads it. */
  content(): string;
  /** The state vector and the delete set: equal when two replicas hold the same structs and deletions. */
  state(): string;
}

/** JSON of `value` with every object's keys sorted: formatting attributes are a set. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );
}

/** The content of a Yjs document, as compared between replicas and storage. */
export function contentOf(doc: Y.Doc): string {
  const xml = doc.getXmlFragment('default');
  const paragraphs = xml
    .toArray()
    .map((node) =>
      node instanceof Y.XmlElement ? node.toArray().map((child) => (child instanceof Y.XmlText ? child.toDelta() : child.toString())) : node.toString(),
    );
  return canonicalJson({
    text: doc.getText('text').toDelta(),
    map: doc.getMap('map').toJSON(),
    array: doc.getArray('array').toJSON(),
    xml: paragraphs,
  });
}

/** The content of a Yrs document, in the shape of {@link contentOf}. */
export function yrsContentOf(doc: yw.YDoc): string {
  const paragraphs: unknown[] = [];
  for (let node = doc.getXmlFragment('default').firstChild(undefined); node !== undefined; node = node.nextSibling(undefined)) {
    const children: unknown[] = [];
    if (node instanceof yw.YXmlElement) {
      for (let child = node.firstChild(undefined); child !== undefined; child = child.nextSibling(undefined)) {
        children.push(child instanceof yw.YXmlText ? child.toDelta(undefined, undefined, undefined, undefined) : child.toString(undefined));
      }
    }
    paragraphs.push(node instanceof yw.YXmlElement ? children : node.toString(undefined));
  }
  return canonicalJson({
    text: doc.getText('text').toDelta(undefined, undefined, undefined, undefined),
    map: doc.getMap('map').toJson(undefined),
    array: doc.getArray('array').toJson(undefined),
    xml: paragraphs,
  });
}

/**
 * The document `update` holds, as `implementation` reads it: its content, and its state (which
 * equals {@link stateOf} unless the implementation lost or invented structs or deletions).
 */
export function readUpdate(implementation: Implementation, update: Uint8Array): { content: string; state: string } {
  if (implementation === 'yjs') {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, update);
    const read = { content: contentOf(doc), state: stateOf(update) };
    doc.destroy();
    return read;
  }
  const doc = new yw.YDoc({});
  applyRemoteUpdate(doc, update);
  const read = { content: yrsContentOf(doc), state: yrsStateOf(doc) };
  doc.free();
  return read;
}

/** A state vector and a delete set as text: sorted `client:clock` pairs, then per client the deleted ranges, merged. */
function stateKey(stateVector: Map<number, number>, deleteSet: Y.Snapshot['ds']): string {
  const deleted = [...deleteSet.clients]
    .sort(([a], [b]) => a - b)
    .map(([client, items]) => {
      const ranges: [number, number][] = [];
      for (const { clock, len } of [...items].sort((a, b) => a.clock - b.clock)) {
        const last = ranges[ranges.length - 1];
        if (last !== undefined && last[1] >= clock) last[1] = Math.max(last[1], clock + len);
        else ranges.push([clock, clock + len]);
      }
      return `${client}:${ranges.map(([from, to]) => `${from}-${to}`).join(' ')}`;
    });
  return `${stateVectorKey(Y.encodeStateVector(stateVector))} deleted ${deleted.join(',')}`;
}

/** The state of a Yjs replica: what its store holds. */
function yjsStateOf(doc: Y.Doc): string {
  const { sv, ds } = Y.snapshot(doc);
  return stateKey(sv, ds);
}

/** The state of a Yrs replica, from the full state it encodes (whose delete set is its store's). */
function yrsStateOf(doc: yw.YDoc): string {
  const update = yw.encodeStateAsUpdate(doc);
  return stateKey(Y.decodeStateVector(Y.encodeStateVectorFromUpdate(update)), Y.decodeUpdate(update).ds);
}

/**
 * The state of the document that `update` holds: its structs and deletions once integrated,
 * which include the implicit deletion of everything inside a deleted type that no update lists.
 * Read before Yjs tidies the formatting of the loaded text, which is the loading doc's own
 * change, not the stored document's.
 */
export function stateOf(update: Uint8Array): string {
  const doc = new Y.Doc();
  let state: string | null = null;
  doc.on('beforeObserverCalls', () => {
    state ??= yjsStateOf(doc);
  });
  Y.applyUpdate(doc, update);
  doc.destroy();
  return state ?? yjsStateOf(new Y.Doc());
}

/** A state vector (v1) as sorted `client:clock` pairs. */
export function stateVectorKey(encoded: Uint8Array): string {
  return [...Y.decodeStateVector(encoded)]
    .sort((a, b) => a[0] - b[0])
    .map(([client, clock]) => `${client}:${clock}`)
    .join(',');
}

/** A boundary of `text` that does not split a surrogate pair, at random. */
function boundary(rng: Rng, text: string): number {
  const points = [0];
  let at = 0;
  for (const char of text) points.push((at += char.length));
  return prng.oneOf(rng, points);
}

/** A range `[index, length]` of whole code points of a non-empty `text`, at random. */
function range(rng: Rng, text: string): [number, number] {
  const a = boundary(rng, text);
  const b = boundary(rng, text);
  return a <= b ? [a, b - a] : [b, a - b];
}

function plain(delta: readonly { insert?: unknown }[]): string {
  return delta.map((op) => (typeof op.insert === 'string' ? op.insert : '')).join('');
}

/** What an edit acts on, read from a replica; the edit itself is made by the implementation. */
export interface Editor {
  text(): string;
  textInsert(index: number, piece: string, format: Record<string, unknown> | undefined): void;
  textDelete(index: number, length: number): void;
  textFormat(index: number, length: number, format: Record<string, unknown>): void;
  mapSet(key: string, value: unknown): void;
  mapDelete(key: string): void;
  arrayLength(): number;
  arrayInsert(index: number, items: unknown[]): void;
  arrayDelete(index: number, length: number): void;
  paragraphs(): number;
  paragraphText(index: number): string;
  paragraphInsert(index: number, text: string): void;
  paragraphDelete(index: number): void;
  paragraphTextInsert(index: number, at: number, piece: string, format: Record<string, unknown> | undefined): void;
  paragraphTextFormat(index: number, at: number, length: number, format: Record<string, unknown>): void;
  paragraphTextDelete(index: number, at: number, length: number): void;
}

/** One random edit through `editor`. */
export function randomEdit(rng: Rng, editor: Editor): void {
  const piece = prng.oneOf(rng, PIECES);
  const format = prng.bool(rng) ? prng.oneOf(rng, FORMATS) : undefined;
  switch (prng.uint32(rng, 0, 9)) {
    case 0:
    case 1:
      editor.textInsert(boundary(rng, editor.text()), piece, format);
      return;
    case 2: {
      const text = editor.text();
      if (text.length > 0) editor.textDelete(...range(rng, text));
      return;
    }
    case 3: {
      const text = editor.text();
      if (text.length > 0) editor.textFormat(...range(rng, text), prng.oneOf(rng, FORMATS));
      return;
    }
    case 4: {
      const key = `k${prng.uint32(rng, 0, 4)}`;
      if (prng.uint32(rng, 0, 3) === 0) editor.mapDelete(key);
      else editor.mapSet(key, prng.oneOf(rng, [prng.uint32(rng, 0, 1000), piece, { nested: [piece, 1] }]));
      return;
    }
    case 5: {
      const length = editor.arrayLength();
      if (length > 0 && prng.bool(rng)) {
        const index = prng.uint32(rng, 0, length - 1);
        editor.arrayDelete(index, prng.uint32(rng, 1, length - index));
      } else editor.arrayInsert(prng.uint32(rng, 0, length), [piece, prng.uint32(rng, 0, 99)]);
      return;
    }
    case 6: {
      const count = editor.paragraphs();
      if (count > 2 && prng.uint32(rng, 0, 3) === 0) editor.paragraphDelete(prng.uint32(rng, 0, count - 1));
      else editor.paragraphInsert(prng.uint32(rng, 0, count), piece);
      return;
    }
    default: {
      const count = editor.paragraphs();
      if (count === 0) {
        editor.paragraphInsert(0, piece);
        return;
      }
      const index = prng.uint32(rng, 0, count - 1);
      const text = editor.paragraphText(index);
      const choice = prng.uint32(rng, 0, 2);
      if (choice === 0 || text.length === 0) editor.paragraphTextInsert(index, boundary(rng, text), piece, format);
      else if (choice === 1) editor.paragraphTextFormat(index, ...range(rng, text), prng.oneOf(rng, FORMATS));
      else editor.paragraphTextDelete(index, ...range(rng, text));
    }
  }
}

/** Edits of a Yjs document. */
export function yjsEditor(doc: Y.Doc): Editor {
  const fragment = doc.getXmlFragment('default');
  const xmlText = (index: number): Y.XmlText => (fragment.get(index) as Y.XmlElement).get(0) as Y.XmlText;
  return {
    text: () => doc.getText('text').toString(),
    textInsert: (index, piece, format) => doc.getText('text').insert(index, piece, format),
    textDelete: (index, length) => doc.getText('text').delete(index, length),
    textFormat: (index, length, format) => doc.getText('text').format(index, length, format),
    mapSet: (key, value) => doc.getMap('map').set(key, value),
    mapDelete: (key) => doc.getMap('map').delete(key),
    arrayLength: () => doc.getArray('array').length,
    arrayInsert: (index, items) => doc.getArray('array').insert(index, items),
    arrayDelete: (index, length) => doc.getArray('array').delete(index, length),
    paragraphs: () => fragment.length,
    paragraphText: (index) => plain(xmlText(index).toDelta() as { insert?: unknown }[]),
    paragraphInsert: (index, text) =>
      doc.transact(() => {
        const paragraph = new Y.XmlElement('paragraph');
        fragment.insert(index, [paragraph]);
        const child = new Y.XmlText();
        paragraph.insert(0, [child]);
        child.insert(0, text);
      }),
    paragraphDelete: (index) => fragment.delete(index, 1),
    paragraphTextInsert: (index, at, piece, format) => xmlText(index).insert(at, piece, format),
    paragraphTextFormat: (index, at, length, format) => xmlText(index).format(at, length, format),
    paragraphTextDelete: (index, at, length) => xmlText(index).delete(at, length),
  };
}

/** A stock y-websocket client as a replica. */
export function yjsReplica(label: string, client: TestClient): Replica {
  const doc = client.doc;
  const editor = yjsEditor(doc);
  return {
    label,
    implementation: 'yjs',
    edit: (rng) => randomEdit(rng, editor),
    content: () => contentOf(doc),
    state: () => yjsStateOf(doc),
  };
}

/** Edits of a Yrs document. */
export function yrsEditor(doc: yw.YDoc): Editor {
  const fragment = (): yw.YXmlFragment => doc.getXmlFragment('default');
  const paragraph = (index: number): yw.YXmlElement => {
    let node = fragment().firstChild(undefined) as yw.YXmlElement;
    for (let i = 0; i < index; i++) node = node.nextSibling(undefined) as yw.YXmlElement;
    return node;
  };
  const xmlText = (index: number): yw.YXmlText => paragraph(index).firstChild(undefined) as yw.YXmlText;
  const text = (): yw.YText => doc.getText('text');
  return {
    text: () => text().toString(undefined),
    textInsert: (index, piece, format) => text().insert(index, piece, format, undefined),
    textDelete: (index, length) => text().delete(index, length, undefined),
    textFormat: (index, length, format) => text().format(index, length, format, undefined),
    mapSet: (key, value) => doc.getMap('map').set(key, value, undefined),
    mapDelete: (key) => doc.getMap('map').delete(key, undefined),
    arrayLength: () => doc.getArray('array').length(undefined),
    arrayInsert: (index, items) => doc.getArray('array').insert(index, items, undefined),
    arrayDelete: (index, length) => doc.getArray('array').delete(index, length, undefined),
    paragraphs: () => fragment().length(undefined),
    paragraphText: (index) => plain(xmlText(index).toDelta(undefined, undefined, undefined, undefined) as { insert?: unknown }[]),
    paragraphInsert: (index, piece) => fragment().insert(index, new yw.YXmlElement('paragraph', {}, [new yw.YXmlText(piece, {})]), undefined),
    paragraphDelete: (index) => fragment().delete(index, 1, undefined),
    paragraphTextInsert: (index, at, piece, format) => xmlText(index).insert(at, piece, format, undefined),
    paragraphTextFormat: (index, at, length, format) => xmlText(index).format(at, length, format, undefined),
    paragraphTextDelete: (index, at, length) => xmlText(index).delete(at, length, undefined),
  };
}

/** A Yrs client as a replica: every edit is sent as the diff it made. */
export function yrsReplica(label: string, client: YrsClient): Replica {
  const doc = client.doc;
  const editor = yrsEditor(doc);
  return {
    label,
    implementation: 'yrs',
    edit: (rng) => client.edit(() => randomEdit(rng, editor)),
    content: () => yrsContentOf(doc),
    state: () => yrsStateOf(doc),
  };
}

/** Where two renderings of a document first differ, with some context. */
function difference(a: string, b: string): string {
  let at = 0;
  while (at < a.length && a[at] === b[at]) at++;
  const from = Math.max(0, at - 120);
  return `at ${at}: …${a.slice(from, at + 120)}… against …${b.slice(from, at + 120)}…`;
}

/**
 * Resolves once every replica holds the same structs and deletions as the stored document
 * (`stored` reads it) and shows what its own implementation reads in the stored document; on
 * timeout the error says who differs, and how. Resolves with the stored content as Yjs reads it.
 * Yjs and Yrs are not compared with each other: Tandem stores and relays the document, and each
 * implementation renders it.
 */
export function waitConverged(replicas: readonly Replica[], stored: () => Promise<Uint8Array | null>, timeout = 20_000): Promise<string> {
  return waitFor(
    async () => {
      const update = (await stored()) ?? Y.encodeStateAsUpdate(new Y.Doc());
      const state = stateOf(update);
      const contents = new Map<Implementation, string>();
      const storedAs = (implementation: Implementation): string => {
        let content = contents.get(implementation);
        if (content !== undefined) return content;
        const read = readUpdate(implementation, update);
        if (read.state !== state) throw new Error(`storage read by ${implementation} holds other structs or deletions: ${difference(read.state, state)}`);
        contents.set(implementation, (content = read.content));
        return content;
      };
      // Thrown rather than returned, so that the timeout says who differs.
      for (const replica of replicas) {
        if (replica.state() !== state) throw new Error(`${replica.label} holds other structs or deletions than storage: ${difference(replica.state(), state)}`);
        const expected = storedAs(replica.implementation);
        if (replica.content() !== expected)
          throw new Error(`${replica.label} and storage read by ${replica.implementation} differ: ${difference(replica.content(), expected)}`);
      }
      return storedAs('yjs');
    },
    { timeout, message: 'every replica and storage to converge' },
  );
}
