/**
 * What the document guard (client/editor/document-guard.ts) costs a client: the full content
 * walk done once before binding, and the per-transaction check of remote edits, each against
 * the same edits applied without a guard. Run alone: `node --import tsx bench/document-guard.ts`.
 */
import * as Y from 'yjs';
import { watchDocument } from '../client/editor/document-guard.js';
import { editorSchema } from '../client/editor/extensions.js';
import { contentNames } from '../shared/content-names.js';
import { median } from './stats.js';

const PARAGRAPHS = 2000;
const KEYSTROKES = 2000;
const NEW_PARAGRAPHS = 500;
const ROUNDS = 7;

/** A rich-text document of `PARAGRAPHS` paragraphs with bold and linked text. */
function document(): Y.Doc {
  const doc = new Y.Doc();
  const paragraphs = Array.from({ length: PARAGRAPHS }, (_, index) => {
    const text = new Y.XmlText();
    text.applyDelta([
      { insert: `paragraph ${index} with ` },
      { insert: 'bold', attributes: { bold: {} } },
      { insert: ' and a link', attributes: { link: { href: 'https://example.com' } } },
    ]);
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [text]);
    return paragraph;
  });
  doc.getXmlFragment('default').insert(0, paragraphs);
  doc.getMap('tandem').set('format', 'richtext');
  return doc;
}

/** Milliseconds to apply the updates of `edit` (made on a writer's copy) to a reader's copy. */
function applyRemote(guarded: boolean, edit: (writer: Y.Doc) => void): number {
  const writer = document();
  const reader = new Y.Doc();
  Y.applyUpdate(reader, Y.encodeStateAsUpdate(writer));
  const watch = guarded ? watchDocument(reader, { format: 'richtext', schema: editorSchema() }) : null;
  const updates: Uint8Array[] = [];
  writer.on('update', (update: Uint8Array) => updates.push(update));
  edit(writer);
  const start = performance.now();
  for (const update of updates) Y.applyUpdate(reader, update, 'remote');
  const elapsed = performance.now() - start;
  watch?.stop();
  return elapsed;
}

const typing = (writer: Y.Doc): void => {
  const text = (writer.getXmlFragment('default').get(PARAGRAPHS / 2) as Y.XmlElement).get(0) as Y.XmlText;
  for (let index = 0; index < KEYSTROKES; index++) text.insert(5 + index, 'x');
};
const newParagraphs = (writer: Y.Doc): void => {
  for (let index = 0; index < NEW_PARAGRAPHS; index++) {
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [new Y.XmlText('new')]);
    writer.getXmlFragment('default').insert(PARAGRAPHS / 2, [paragraph]);
  }
};

const walked = document().getXmlFragment('default');
const walks = Array.from({ length: 10 }, () => {
  const start = performance.now();
  contentNames(walked);
  return performance.now() - start;
});
console.log(`full walk before binding, ${PARAGRAPHS} paragraphs: ${median(walks).toFixed(2)} ms (median of 10)`);
for (const [label, edit, count] of [
  ['remote keystrokes', typing, KEYSTROKES],
  ['remote new paragraphs', newParagraphs, NEW_PARAGRAPHS],
] as const) {
  const plain: number[] = [];
  const guarded: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    plain.push(applyRemote(false, edit));
    guarded.push(applyRemote(true, edit));
  }
  const [without, withGuard] = [median(plain), median(guarded)];
  console.log(
    `${count} ${label}: ${without.toFixed(1)} ms unguarded, ${withGuard.toFixed(1)} ms guarded (median of ${ROUNDS}; ${(((withGuard - without) / count) * 1000).toFixed(1)} µs each)`,
  );
}
