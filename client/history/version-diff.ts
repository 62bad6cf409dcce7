/**
 * What changed between a version and the current document, compared as text, block by block:
 * blocks (paragraphs, headings, list items; lines of a plain-text document) are aligned first,
 * then a block that was edited is compared word by word.
 *
 * Text, not ProseMirror documents: a version may hold node or mark types the viewer's schema
 * lacks (a newer editor wrote it), and building it as a ProseMirror document would drop them or
 * throw; the text of every version can be read by any client, in rich and plain text alike.
 */
import { diffArrays, diffWordsWithSpace } from 'diff';
import * as Y from 'yjs';
import { PLAINTEXT_FIELD, readDocumentFormat, RICHTEXT_FIELD } from '../../shared/document-format.js';
import { textBlocks } from '../editor/ReadOnlyText.js';

/** Whether a piece of text is in both, only in the current document, or only in the version. */
export type TextChange = 'same' | 'added' | 'removed';

/** A run of text with one change. */
export interface DiffPart {
  readonly text: string;
  readonly change: TextChange;
}

/** One block of the comparison: unchanged, added since, removed since, or changed inside. */
export interface DiffBlock {
  readonly change: TextChange | 'changed';
  readonly parts: readonly DiffPart[];
}

/**
 * Most edits (blocks between documents, words and spaces inside a block) a comparison looks for.
 * Past it the blocks are shown as removed and added whole: the diff's cost grows with the
 * edit's length times the text's, so a long paragraph rewritten from scratch (or a document
 * whose every block changed) would otherwise freeze the page of whoever previews the version
 * (5 000 rewritten words: 20 s unbounded, 0.14 s with this bound).
 */
export const MAX_DIFF_EDIT_LENGTH = 1_000;

/** The text blocks of a document: its paragraphs and other text blocks, or the lines of plain text. */
export function documentBlocks(doc: Y.Doc): string[] {
  if (readDocumentFormat(doc) === 'plaintext') return doc.getText(PLAINTEXT_FIELD).toString().split('\n');
  return textBlocks(doc.getXmlFragment(RICHTEXT_FIELD));
}

/** The text blocks of an encoded Yjs state (a version), read in a document of its own. */
export function stateBlocks(state: Uint8Array): string[] {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
    return documentBlocks(doc);
  } finally {
    doc.destroy();
  }
}

const whole = (text: string, change: TextChange): DiffBlock => ({ change, parts: [{ text, change }] });

/** One edited block, word by word; removed then added whole when the edit is too long to compare. */
function changedBlock(then: string, now: string): DiffBlock[] {
  const words = diffWordsWithSpace(then, now, { maxEditLength: MAX_DIFF_EDIT_LENGTH });
  if (words === undefined) return [whole(then, 'removed'), whole(now, 'added')];
  const parts = words.map((word): DiffPart => ({ text: word.value, change: word.added ? 'added' : word.removed ? 'removed' : 'same' }));
  return [{ change: 'changed', parts }];
}

/**
 * The blocks of `then` (a version) and `now` (the current document) as one sequence, in
 * document order, marking what was added and removed since `then`. A removed run followed by an
 * added run is compared pairwise, so an edited paragraph shows its edited words.
 */
export function diffBlocks(then: readonly string[], now: readonly string[]): DiffBlock[] {
  const result: DiffBlock[] = [];
  let removed: string[] = [];
  const flushRemoved = (added: readonly string[]): void => {
    const paired = Math.min(removed.length, added.length);
    for (let index = 0; index < paired; index++) result.push(...changedBlock(removed[index] as string, added[index] as string));
    for (const block of removed.slice(paired)) result.push(whole(block, 'removed'));
    for (const block of added.slice(paired)) result.push(whole(block, 'added'));
    removed = [];
  };
  const runs = diffArrays([...then], [...now], { maxEditLength: MAX_DIFF_EDIT_LENGTH });
  if (runs === undefined) return [...then.map((block) => whole(block, 'removed')), ...now.map((block) => whole(block, 'added'))];
  for (const run of runs) {
    if (run.removed) {
      flushRemoved([]);
      removed = run.value;
    } else if (run.added) flushRemoved(run.value);
    else {
      flushRemoved([]);
      for (const block of run.value) result.push(whole(block, 'same'));
    }
  }
  flushRemoved([]);
  return result;
}

/** True when the comparison found any change. */
export function hasChanges(blocks: readonly DiffBlock[]): boolean {
  return blocks.some((block) => block.change !== 'same');
}
