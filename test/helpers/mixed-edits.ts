/**
 * The same random edits made through Yjs or through Yrs (ywasm): text with emoji and formatting,
 * a map, an array, and Tiptap-like XML (paragraphs holding formatted XmlText), with deletions.
 * Each replica picks its edits from its own current state, so concurrent replicas make
 * concurrent, conflicting edits. Replicas compare by their content as Yjs reads it and by state
 * vector.
 */
import * as prng from 'lib0/prng';
import * as Y from 'yjs';
import * as yw from 'ywasm';
import type { TestClient } from './clients.js';
import type { Rng } from './seed.js';
import { waitFor } from './wait-for.js';
import type { YrsClient } from './yrs-client.js';

/** Attribute sets a formatting edit applies (null removes a mark). */
const FORMATS: Record<string, unknown>[] = [{ bold: true }, { italic: true }, { bold: null }, { bold: true, italic: true }];
/** Pieces of inserted text: ASCII, accents and astral emoji (two UTF-16 units each). */
const PIECES = ['a', 'bc', 'é', '👍', '🎉x', ' ', 'ß€'];

/** A replica of the shared document, whichever implementation edits it. */
export interface Replica {
  readonly label: string;
  /** Makes one random edit. */
  edit(rng: Rng): void;
  /** The content as a Yjs document reads it. */
  content(): string;
  /** The state vector, as sorted `client:clock` pairs. */
  stateVector(): string;
}

/** The content of a Yjs document, as compared between replicas and storage. */
export function contentOf(doc: Y.Doc): string {
  const xml = doc.getXmlFragment('default');
  const paragraphs = xml.toArray().map((node) => (node instanceof Y.XmlElement ? node.toArray().map((child) => (child instanceof Y.XmlText ? child.toDelta() : child.toString())) : node.toString()));
  return JSON.stringify({
    text: doc.getText('text').toDelta(),
    // Sorted: the order of a map's keys is the order this replica learnt them in.
    map: Object.fromEntries(Object.entries(doc.getMap('map').toJSON()).sort(([a], [b]) => a.localeCompare(b))),
    array: doc.getArray('array').toJSON(),
    xml: paragraphs,
  });
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
    edit: (rng) => randomEdit(rng, editor),
    content: () => contentOf(doc),
    stateVector: () => stateVectorKey(Y.encodeStateVector(doc)),
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
    edit: (rng) => client.edit(() => randomEdit(rng, editor)),
    content: () => {
      const yjs = client.toYjs();
      const content = contentOf(yjs);
      yjs.destroy();
      return content;
    },
    stateVector: () => stateVectorKey(yw.encodeStateVector(doc)),
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
 * Resolves with the content once every replica holds the same content and state vector, and so
 * does the stored document (`stored` reads it); on timeout the error says who differs, and how.
 */
export function waitConverged(replicas: readonly Replica[], stored: () => Promise<Uint8Array | null>, timeout = 20_000): Promise<string> {
  return waitFor(
    async () => {
      const first = replicas[0] as Replica;
      const content = first.content();
      const stateVector = first.stateVector();
      // Thrown rather than returned, so that the timeout says who differs.
      for (const replica of replicas) {
        if (replica.stateVector() !== stateVector) throw new Error(`${replica.label} has state ${replica.stateVector()}, ${first.label} ${stateVector}`);
        if (replica.content() !== content) throw new Error(`${replica.label} and ${first.label} differ: ${difference(replica.content(), content)}`);
      }
      const doc = new Y.Doc();
      const update = await stored();
      if (update !== null) Y.applyUpdate(doc, update);
      const saved = { content: contentOf(doc), stateVector: stateVectorKey(Y.encodeStateVector(doc)) };
      doc.destroy();
      if (saved.stateVector !== stateVector) throw new Error(`storage has state ${saved.stateVector}, the replicas ${stateVector}`);
      if (saved.content !== content) throw new Error(`storage and the replicas differ: ${difference(saved.content, content)}`);
      return content;
    },
    { timeout, message: 'every replica and storage to converge' },
  );
}
