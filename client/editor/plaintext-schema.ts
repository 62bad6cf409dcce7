/**
 * The plain-text schema and its one-to-one map onto a string: the document is a list of
 * paragraphs of unmarked text, one paragraph per line, so the text is the paragraphs joined by
 * `\n`, and an empty document is one empty paragraph (the empty string).
 *
 * Positions: text index `i` on line `n` is ProseMirror position `i + n + 1`, since a newline is
 * one character in the text but two tokens (close and open) in the document.
 */
import { Node as TiptapNode } from '@tiptap/core';
import { Fragment, Slice, type Node as PmNode, type Schema } from '@tiptap/pm/model';

/** The top node: one or more lines. */
export const PlainDocument = TiptapNode.create({
  name: 'doc',
  topNode: true,
  content: 'paragraph+',
});

/** One line of text; never holds a newline. */
export const PlainLine = TiptapNode.create({
  name: 'paragraph',
  group: 'block',
  content: 'text*',
  marks: '',
  parseHTML: () => [{ tag: 'p' }, { tag: 'div' }, { tag: 'pre', preserveWhitespace: 'full' }],
  renderHTML: () => ['p', 0],
});

/** Unmarked text. */
export const PlainText = TiptapNode.create({
  name: 'text',
  group: 'inline',
});

/** The document's text: its lines joined by newlines. */
export function textOf(doc: PmNode): string {
  const lines: string[] = [];
  doc.forEach((line) => {
    lines.push(line.textContent);
  });
  return lines.join('\n');
}

/** The text index of ProseMirror position `pos`; a position between two lines counts as the start of the second. */
export function textIndexAt(doc: PmNode, pos: number): number {
  let index = 0;
  let start = 0;
  for (let line = 0; line < doc.childCount; line += 1) {
    const node = doc.child(line);
    const end = start + node.nodeSize;
    if (pos < end) return index + Math.max(0, Math.min(pos - start - 1, node.content.size));
    index += node.content.size + 1;
    start = end;
  }
  return Math.max(0, index - 1);
}

/** The ProseMirror position of text index `index`, clamped to the document. */
export function positionAt(doc: PmNode, index: number): number {
  let remaining = Math.max(0, index);
  let start = 0;
  for (let line = 0; line < doc.childCount; line += 1) {
    const node = doc.child(line);
    if (remaining <= node.content.size || line === doc.childCount - 1) return start + 1 + Math.min(remaining, node.content.size);
    remaining -= node.content.size + 1;
    start += node.nodeSize;
  }
  return 1;
}

/** One line as a paragraph node. */
function lineNode(schema: Schema, line: string): PmNode {
  return schema.node('paragraph', null, line.length === 0 ? undefined : schema.text(line));
}

/**
 * `text` as content to insert inside a line: open on both sides, so its first line joins the
 * text before the insertion point and its last line the text after it.
 */
export function sliceOfText(schema: Schema, text: string): Slice {
  const lines = text.split('\n');
  const [only] = lines;
  if (lines.length === 1 && only !== undefined) return new Slice(only === '' ? Fragment.empty : Fragment.from(schema.text(only)), 0, 0);
  return new Slice(Fragment.from(lines.map((line) => lineNode(schema, line))), 1, 1);
}
