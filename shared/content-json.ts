/**
 * A rich-text document's content as ProseMirror-shaped JSON, read from its Yjs XML without a
 * schema: each element becomes a node of its name with its attributes, each formatted run of
 * text a text node with its marks. It reads any document, whatever editor wrote it, so that the
 * server can export, send and show documents holding types its own schema lacks (the same walk
 * as content-names.ts, which only collects the names).
 */
import * as Y from 'yjs';
import { markNameOf } from './content-names.js';

/** One node of {@link contentJson}: the shape of ProseMirror's (and Tiptap's) JSON. */
export interface ContentNode {
  type: string;
  attrs?: Record<string, unknown>;
  content?: ContentNode[];
  text?: string;
  marks?: { type: string; attrs?: Record<string, unknown> }[];
}

/** Attributes as JSON: y-prosemirror leaves out the ones that are null, so nothing else is dropped. */
function attrsOf(attributes: Record<string, unknown>): Pick<ContentNode, 'attrs'> {
  return Object.keys(attributes).length === 0 ? {} : { attrs: { ...attributes } };
}

function textNodes(text: Y.XmlText): ContentNode[] {
  const nodes: ContentNode[] = [];
  for (const op of text.toDelta() as { insert: unknown; attributes?: Record<string, unknown> }[]) {
    if (typeof op.insert !== 'string' || op.insert === '') continue;
    const marks = Object.entries(op.attributes ?? {}).map(([key, value]) => ({
      type: markNameOf(key),
      ...(typeof value === 'object' && value !== null ? attrsOf(value as Record<string, unknown>) : {}),
    }));
    nodes.push(marks.length === 0 ? { type: 'text', text: op.insert } : { type: 'text', text: op.insert, marks });
  }
  return nodes;
}

function children(type: Y.XmlFragment | Y.XmlElement): ContentNode[] {
  const nodes: ContentNode[] = [];
  for (const child of type.toArray()) {
    if (child instanceof Y.XmlText) nodes.push(...textNodes(child));
    else if (child instanceof Y.XmlElement) nodes.push(elementNode(child));
  }
  return nodes;
}

function elementNode(element: Y.XmlElement): ContentNode {
  const content = children(element);
  return { type: element.nodeName, ...attrsOf(element.getAttributes()), ...(content.length === 0 ? {} : { content }) };
}

/**
 * The content of `fragment` as a `doc` node.
 * @example
 * contentJson(doc.getXmlFragment('default')); // { type: 'doc', content: [{ type: 'callout', ... }] }
 */
export function contentJson(fragment: Y.XmlFragment): ContentNode {
  const content = children(fragment);
  return content.length === 0 ? { type: 'doc' } : { type: 'doc', content };
}

/** True for a node that holds inline content: some child is text. */
function holdsText(node: ContentNode): boolean {
  return node.content?.some((child) => child.type === 'text') ?? false;
}

function inlineText(node: ContentNode): string {
  // Without a schema an element among text is an inline leaf (a hard break, a mention): one line break stands for it.
  return (node.content ?? []).map((child) => (child.type === 'text' ? (child.text ?? '') : child.content === undefined ? '\n' : inlineText(child))).join('');
}

/**
 * The plain text of some {@link contentJson}: the text of each block, blocks separated by a line
 * break, as ProseMirror's `textBetween(…, '\n', '\n')` gives for a document of a known schema.
 */
export function contentText(node: ContentNode): string {
  if (node.type === 'text') return node.text ?? '';
  if (holdsText(node)) return inlineText(node);
  return (node.content ?? []).map(contentText).join('\n');
}
