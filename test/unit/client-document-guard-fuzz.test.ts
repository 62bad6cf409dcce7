// @vitest-environment happy-dom
/**
 * The document guard under random interleavings: an editor of the default schema and one with
 * an app's callout node and spoiler mark edit one document, their updates delivered late, in
 * random batches, and the default editor is reopened now and then. Whatever the order, no word,
 * callout or spoiler anyone wrote is lost, both replicas converge, and the default editor ends
 * up unbound once it has seen a type it lacks. A failure prints its seed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Editor } from '@tiptap/core';
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import * as prng from 'lib0/prng';
import { tandemExtensions } from '../../client/editor/extensions.js';
import { CUSTOM_EXTENSIONS } from '../e2e/fixtures/custom-extensions.js';
import { withSeed } from '../helpers/seed.js';

const STEPS = 160;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function openEditor(doc: Y.Doc, custom: boolean): Editor {
  const awareness = new Awareness(doc);
  const element = document.createElement('div');
  document.body.appendChild(element);
  const editor = new Editor({ element, extensions: tandemExtensions({ doc, awareness, extensions: custom ? CUSTOM_EXTENSIONS : [] }) });
  cleanups.push(() => {
    editor.destroy();
    awareness.destroy();
  });
  return editor;
}

/** Updates from one replica waiting to reach the other. */
function channel(from: Y.Doc, to: Y.Doc): { deliver(count: number): void; flush(): void } {
  const queue: Uint8Array[] = [];
  from.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== to) queue.push(update);
  });
  const deliver = (count: number): void => {
    for (const update of queue.splice(0, count)) Y.applyUpdate(to, update, from);
  };
  return { deliver, flush: () => deliver(queue.length) };
}

/** Where the text `word` ends in `editor`, or null. */
function rangeOf(editor: Editor, word: string): { from: number; to: number } | null {
  let found: { from: number; to: number } | null = null;
  editor.state.doc.descendants((node, pos) => {
    const at = node.isText ? (node.text ?? '').indexOf(word) : -1;
    if (found === null && at >= 0) found = { from: pos + at, to: pos + at + word.length };
    return found === null;
  });
  return found;
}

describe('the document guard under random interleavings', () => {
  it('never loses a word, callout or spoiler, whatever the order of edits, deliveries and reopenings', () =>
    withSeed(async (rng) => {
      const plainDoc = new Y.Doc();
      const customDoc = new Y.Doc();
      const toCustom = channel(plainDoc, customDoc);
      const toPlain = channel(customDoc, plainDoc);
      let plain = openEditor(plainDoc, false);
      const custom = openEditor(customDoc, true);
      const words: string[] = [];
      const spoilers: string[] = [];
      let callouts = 0;
      for (let step = 0; step < STEPS; step++) {
        const roll = prng.uint32(rng, 0, 99);
        if (roll < 25) {
          // A writer types only into an editor that lets them.
          if (!plain.isEditable) continue;
          const word = `a${step}`;
          plain.commands.insertContentAt(plain.state.doc.content.size, `<p>${word}</p>`);
          words.push(word);
        } else if (roll < 45) {
          const word = `b${step}`;
          custom.commands.insertContentAt(custom.state.doc.content.size, `<p>${word}</p>`);
          words.push(word);
        } else if (roll < 52) {
          const word = `c${step}`;
          custom.commands.insertContentAt(custom.state.doc.content.size, `<aside data-callout><p>${word}</p></aside>`);
          words.push(word);
          callouts++;
        } else if (roll < 57) {
          const word = prng.oneOf(rng, words.length > 0 ? words : ['none']);
          const range = rangeOf(custom, word);
          if (range === null || spoilers.includes(word)) continue;
          custom.chain().setTextSelection(range).setMark('spoiler').run();
          spoilers.push(word);
        } else if (roll < 64) {
          plain.destroy();
          plain = openEditor(plainDoc, false);
        } else if (roll < 82) {
          toCustom.deliver(prng.uint32(rng, 1, 4));
        } else {
          toPlain.deliver(prng.uint32(rng, 1, 4));
        }
      }
      toCustom.flush();
      toPlain.flush();
      toCustom.flush();

      expect(Y.encodeStateVector(plainDoc)).toEqual(Y.encodeStateVector(customDoc));
      const xml = customDoc.getXmlFragment('default').toString();
      expect(plainDoc.getXmlFragment('default').toString()).toBe(xml);
      const text = custom.getText();
      for (const word of words) expect(text).toContain(word);
      expect(xml.split('<callout').length - 1).toBe(callouts);
      for (const word of spoilers) expect(xml).toMatch(new RegExp(`<spoiler>[^<]*${word}`));
      if (callouts + spoilers.length > 0) expect(plain.isEditable).toBe(false);
    }));
});
