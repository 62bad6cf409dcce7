/**
 * How large and how deep a document a conversion accepts, checked before the expensive step
 * (building a DOM, a ProseMirror tree or a Y.Doc) wherever the content allows it. The
 * server's conversion limits (shared/limits.ts) fill these in.
 */
import type { JSONContent } from '@tiptap/core';
import { ContentLimitError } from './conversion-errors.js';

/** The bounds of one conversion. */
export interface ConversionBounds {
  /** Largest text body (HTML, Markdown, text, JSON) an import reads, in bytes. */
  maxBytes: number;
  /** Most nodes (blocks and text runs) in one document. */
  maxNodes: number;
  /** Deepest nesting of nodes in one document (the document itself is depth 1). */
  maxDepth: number;
}

/** Bounds that refuse nothing, for callers that trust their content. */
export const UNBOUNDED: Readonly<ConversionBounds> = Object.freeze({ maxBytes: Infinity, maxNodes: Infinity, maxDepth: Infinity });

function tooManyNodes(bounds: ConversionBounds): ContentLimitError {
  return new ContentLimitError('nodes', `the document has more than ${bounds.maxNodes} nodes`);
}

function tooDeep(bounds: ConversionBounds): ContentLimitError {
  return new ContentLimitError('depth', `the document nests deeper than ${bounds.maxDepth} levels`);
}

/** Refuses a text body larger than the bounds allow. */
export function checkBodyBytes(bytes: number, bounds: ConversionBounds): void {
  if (bytes > bounds.maxBytes) throw new ContentLimitError('bytes', `the body is larger than ${bounds.maxBytes} bytes, the most a conversion reads`);
}

/**
 * Refuses `count` nodes when more than the bounds allow; for counts known before parsing that
 * can only over-estimate (a plain-text line is at least one paragraph, an HTML start tag at most
 * one element).
 */
export function checkNodeCount(count: number, bounds: ConversionBounds): void {
  if (count > bounds.maxNodes) throw tooManyNodes(bounds);
}

/** Container markers at the start of a Markdown line: a quote, or a list item's bullet or number and its space. */
const MARKDOWN_CONTAINER = /[ \t]*(?:>|[-*+][ \t]|\d{1,9}[.)][ \t])/y;

/**
 * Refuses Markdown whose quotes and list items nest deeper than the bounds allow, counted from
 * the markers that open each line (`> > - x` is three deep), before the Markdown lexer recurses
 * once per level.
 */
export function checkMarkdownDepth(markdown: string, bounds: ConversionBounds): void {
  for (let start = 0; start < markdown.length; ) {
    let depth = 1;
    let at = start;
    // A failed sticky match resets lastIndex, so the position after the last marker is kept here.
    for (MARKDOWN_CONTAINER.lastIndex = at; MARKDOWN_CONTAINER.test(markdown); at = MARKDOWN_CONTAINER.lastIndex) {
      if (++depth > bounds.maxDepth) throw tooDeep(bounds);
    }
    const end = markdown.indexOf('\n', at);
    if (end === -1) return;
    start = end + 1;
  }
}

/** Walks ProseMirror JSON without recursion, so that a hostile depth cannot overflow the stack before it is refused. */
export function checkJsonBounds(root: JSONContent, bounds: ConversionBounds): void {
  // Hostile JSON may hold anything where a node should be: only objects have children.
  walk<unknown>(
    root,
    (node) => (typeof node === 'object' && node !== null && Array.isArray((node as JSONContent).content) ? ((node as JSONContent).content as unknown[]) : []),
    bounds,
  );
}

/** The same walk over a DOM subtree, before ProseMirror's recursive DOM parser reads it. */
export function checkDomBounds(root: { childNodes: ArrayLike<unknown> }, bounds: ConversionBounds): void {
  walk(root, (node) => Array.from(node.childNodes) as { childNodes: ArrayLike<unknown> }[], bounds);
}

function walk<T>(root: T, children: (node: T) => readonly T[], bounds: ConversionBounds): void {
  let nodes = 0;
  const stack: [T, number][] = [[root, 1]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [node, depth] = entry;
    if (++nodes > bounds.maxNodes) throw tooManyNodes(bounds);
    if (depth > bounds.maxDepth) throw tooDeep(bounds);
    for (const child of children(node)) stack.push([child, depth + 1]);
  }
}
