/**
 * The document of the `large` workload: a long report in the shape the editor stores (a
 * Y.XmlFragment 'default' of headings, paragraphs and bullet lists, marks as text attributes),
 * written through many real edits by a few authors: sentences typed in turn, words inserted
 * in the middle of earlier text, typos deleted, ranges made bold or italic afterwards. Built
 * once per seed and kept, compacted, under bench/results/cache so that every rep and target
 * loads the same bytes.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prng from 'lib0/prng';
import * as Y from 'yjs';

/** The root the editor binds (Tiptap's Collaboration extension's default field). */
export const LARGE_FIELD = 'default';

/** Characters of text the report ends with, at least. */
const TARGET_CHARACTERS = 5_000_000;
const AUTHORS = 6;

const WORDS = (
  'the report shows that our quarterly numbers rose while costs fell across every region and ' +
  'team with notable gains in support latency deployment frequency and customer retention'
).split(' ');
/** Bumped whenever the generator changes, so that a stale cache is never read. */
const VERSION = 2;

/** The compacted document and what a reader checks it against. */
export interface LargeDocument {
  /** `Y.encodeStateAsUpdate` of the finished report. */
  state: Uint8Array;
  /** Characters of text in it (every XmlText's length, summed). */
  textLength: number;
  /** Yjs updates the report was written with. */
  edits: number;
  /** `Y.encodeStateVector` of the report: what a reader holding all of it has. */
  stateVector: Uint8Array;
}

/** The cache's sidecar: everything but the state, the state vector in base64. */
interface Meta {
  textLength: number;
  edits: number;
  stateVector: string;
}

/** The report for `seed`, from the cache under `cacheDir` or built (and cached) now. */
export function largeDocument(seed: number, cacheDir: string): LargeDocument {
  const file = join(cacheDir, `large-v${VERSION}-seed${seed}.bin`);
  const meta = `${file}.json`;
  if (existsSync(file) && existsSync(meta)) {
    const { textLength, edits, stateVector } = JSON.parse(readFileSync(meta, 'utf8')) as Meta;
    return { state: new Uint8Array(readFileSync(file)), textLength, edits, stateVector: new Uint8Array(Buffer.from(stateVector, 'base64')) };
  }
  const built = buildReport(seed);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, built.state);
  const sidecar: Meta = { textLength: built.textLength, edits: built.edits, stateVector: Buffer.from(built.stateVector).toString('base64') };
  writeFileSync(meta, JSON.stringify(sidecar));
  return built;
}

/** Characters of text in an XmlFragment or XmlElement, all levels down. */
export function xmlTextLength(node: Y.XmlFragment | Y.XmlElement): number {
  let length = 0;
  for (const child of node.toArray()) {
    length += child instanceof Y.XmlText ? child.length : xmlTextLength(child as Y.XmlElement);
  }
  return length;
}

function buildReport(seed: number): LargeDocument {
  const rng = prng.create(seed);
  const doc = new Y.Doc({ gc: true });
  const root = doc.getXmlFragment(LARGE_FIELD);
  let edits = 0;
  doc.on('update', () => {
    edits += 1;
  });
  /** One to three words, the first capitalised after a full stop: what one author adds at once. */
  let sentenceOpen = false;
  const words = (): string => {
    const chunk: string[] = [];
    for (let i = prng.uint32(rng, 1, 3); i > 0; i--) chunk.push(prng.oneOf(rng, WORDS));
    let text = chunk.join(' ');
    if (!sentenceOpen) text = `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
    sentenceOpen = rng.next() < 0.8;
    return sentenceOpen ? `${text} ` : `${text}. `;
  };
  /**
   * Writes a block's text in `edits` updates, each by another of the authors, so that their
   * runs do not merge: mostly words typed at the end, some inserted into earlier text, some
   * removed, some made bold or italic.
   */
  let author = 1;
  const write = (text: Y.XmlText, edits: number): void => {
    for (let e = 0; e < edits; e++) {
      author = 1 + ((author + prng.uint32(rng, 0, AUTHORS - 2)) % AUTHORS);
      doc.clientID = author;
      const roll = rng.next();
      doc.transact(() => {
        if (roll < 0.75 || text.length < 40) {
          text.insert(text.length, words());
        } else if (roll < 0.88) {
          text.insert(prng.uint32(rng, 0, text.length), `${prng.oneOf(rng, WORDS)} `);
        } else if (roll < 0.94) {
          text.delete(prng.uint32(rng, 0, text.length - 4), prng.uint32(rng, 1, 3));
        } else {
          const from = prng.uint32(rng, 0, text.length - 20);
          text.format(from, prng.uint32(rng, 4, 18), roll < 0.97 ? { bold: {} } : { italic: {} });
        }
      });
    }
  };
  const block = (name: string, attributes: Record<string, string> = {}): Y.XmlText => {
    const element = new Y.XmlElement(name);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
    const text = new Y.XmlText();
    doc.transact(() => {
      root.insert(root.length, [element]);
      element.insert(0, [text]);
    });
    return text;
  };
  let characters = 0;
  while (characters < TARGET_CHARACTERS) {
    const heading = block('heading', { level: String(prng.uint32(rng, 1, 3)) });
    write(heading, 2);
    for (let p = prng.uint32(rng, 3, 8); p > 0; p--) {
      const paragraph = block('paragraph');
      write(paragraph, prng.uint32(rng, 20, 60));
      characters += paragraph.length;
    }
    if (rng.next() < 0.4) characters += bulletList(doc, root, prng.uint32(rng, 2, 6), (text) => write(text, prng.uint32(rng, 4, 12)));
  }
  const state = Y.encodeStateAsUpdate(doc);
  const stateVector = Y.encodeStateVector(doc);
  const textLength = xmlTextLength(root);
  doc.destroy();
  return { state, textLength, edits, stateVector };
}

/** Appends a bullet list of `items` one-paragraph items, each written by `write`; its characters. */
function bulletList(doc: Y.Doc, root: Y.XmlFragment, items: number, write: (text: Y.XmlText) => void): number {
  const list = new Y.XmlElement('bulletList');
  doc.transact(() => root.insert(root.length, [list]));
  let characters = 0;
  for (let i = 0; i < items; i++) {
    const item = new Y.XmlElement('listItem');
    const paragraph = new Y.XmlElement('paragraph');
    const text = new Y.XmlText();
    doc.transact(() => {
      list.insert(list.length, [item]);
      item.insert(0, [paragraph]);
      paragraph.insert(0, [text]);
    });
    write(text);
    characters += text.length;
  }
  return characters;
}
