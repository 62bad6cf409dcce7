import { describe, expect, it } from 'vitest';
import { checkDomBounds, checkJsonBounds, checkMarkdownDepth, checkNodeCount, type ConversionBounds } from '../../server/api/content-bounds.js';
import { ContentLimitError } from '../../server/api/conversion-errors.js';

const bounds: ConversionBounds = { maxBytes: 1024, maxNodes: 10, maxDepth: 4 };

function limitOf(check: () => void): string | null {
  try {
    check();
    return null;
  } catch (error) {
    if (error instanceof ContentLimitError) return error.limit;
    throw error;
  }
}

const paragraph = (text: string) => ({ type: 'paragraph', content: [{ type: 'text', text }] });

describe('content bounds', () => {
  it('counts every node of ProseMirror JSON, text included, against maxNodes', () => {
    expect(limitOf(() => checkJsonBounds({ type: 'doc', content: [paragraph('a'), paragraph('b'), paragraph('c')] }, bounds))).toBe(null);
    expect(limitOf(() => checkJsonBounds({ type: 'doc', content: Array.from({ length: 5 }, () => paragraph('x')) }, bounds))).toBe('nodes');
  });

  it('measures depth from the document down, and walks a hostile depth without recursion', () => {
    const nested = (depth: number): object => (depth === 0 ? paragraph('x') : { type: 'blockquote', content: [nested(depth - 1)] });
    expect(limitOf(() => checkJsonBounds({ type: 'doc', content: [nested(1)] }, bounds))).toBe(null);
    expect(limitOf(() => checkJsonBounds({ type: 'doc', content: [nested(2)] }, bounds))).toBe('depth');
    let deep: object = paragraph('x');
    for (let i = 0; i < 200_000; i++) deep = { type: 'blockquote', content: [deep] };
    expect(limitOf(() => checkJsonBounds({ type: 'doc', content: [deep] }, { ...bounds, maxNodes: Infinity }))).toBe('depth');
  });

  it('ignores what hostile JSON holds where a node should be', () => {
    expect(limitOf(() => checkJsonBounds({ type: 'doc', content: [null, 1, 'x', [], paragraph('a')] as never }, bounds))).toBe(null);
  });

  it('walks a DOM subtree the same way', () => {
    const node = (...childNodes: object[]): { childNodes: object[] } => ({ childNodes });
    expect(limitOf(() => checkDomBounds(node(node(node())), bounds))).toBe(null);
    expect(limitOf(() => checkDomBounds(node(node(node(node(node())))), bounds))).toBe('depth');
    expect(limitOf(() => checkDomBounds(node(...Array.from({ length: 10 }, () => node())), bounds))).toBe('nodes');
  });

  it('counts the quote and list markers that open a Markdown line as levels', () => {
    expect(limitOf(() => checkMarkdownDepth('> > - x\n> plain\n\n1. one\n---', bounds))).toBe(null);
    expect(limitOf(() => checkMarkdownDepth('ok\n> > > - x', bounds))).toBe('depth');
    expect(limitOf(() => checkMarkdownDepth(`${'>'.repeat(1_000_000)} x`, bounds))).toBe('depth');
    // A thematic break or a long rule of dashes is not a list.
    expect(limitOf(() => checkMarkdownDepth(`${'-'.repeat(500)}\n***\n`, bounds))).toBe(null);
  });

  it('refuses a count known before parsing only when it passes maxNodes', () => {
    expect(limitOf(() => checkNodeCount(10, bounds))).toBe(null);
    expect(limitOf(() => checkNodeCount(11, bounds))).toBe('nodes');
  });
});
