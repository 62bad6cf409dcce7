/** The pure parts of the editor's history panel: comparing a version with the document, times, addresses. */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { writeDocumentFormat } from '../../shared/document-format.js';
import { relativeTime } from '../../client/history/relative-time.js';
import { diffBlocks, documentBlocks, hasChanges, stateBlocks } from '../../client/history/version-diff.js';
import { versionsUrl } from '../../client/history/versions-client.js';

/** A rich-text document of paragraphs. */
function richDoc(...paragraphs: string[]): Y.Doc {
  const doc = new Y.Doc();
  writeDocumentFormat(doc, 'richtext');
  doc.getXmlFragment('default').insert(
    0,
    paragraphs.map((text) => {
      const paragraph = new Y.XmlElement('paragraph');
      paragraph.insert(0, [new Y.XmlText(text)]);
      return paragraph;
    }),
  );
  return doc;
}

describe('comparing a version with the current document', () => {
  it('marks nothing when the texts are equal', () => {
    const blocks = diffBlocks(['One', 'Two'], ['One', 'Two']);
    expect(blocks.map((block) => block.change)).toEqual(['same', 'same']);
    expect(hasChanges(blocks)).toBe(false);
  });

  it('marks the words edited inside a paragraph, keeping the rest of it plain', () => {
    const [block, ...rest] = diffBlocks(['The launch is on Monday.'], ['The launch is on Thursday.']);
    expect(rest).toEqual([]);
    expect(block?.change).toBe('changed');
    expect(block?.parts).toEqual([
      { text: 'The launch is on ', change: 'same' },
      { text: 'Monday', change: 'removed' },
      { text: 'Thursday', change: 'added' },
      { text: '.', change: 'same' },
    ]);
  });

  it('marks whole paragraphs added and removed since the version, in document order', () => {
    const blocks = diffBlocks(['Title', 'Old idea', 'Shared end'], ['Title', 'Shared end', 'New closing']);
    expect(blocks.map((block) => [block.change, block.parts.map((part) => part.text).join('')])).toEqual([
      ['same', 'Title'],
      ['removed', 'Old idea'],
      ['same', 'Shared end'],
      ['added', 'New closing'],
    ]);
    expect(hasChanges(blocks)).toBe(true);
  });

  it('shows a long, wholly rewritten paragraph as removed and added instead of comparing it word by word', () => {
    const words = (prefix: string): string => Array.from({ length: 5_000 }, (_, index) => `${prefix}${index}`).join(' ');
    const started = performance.now();
    const blocks = diffBlocks([words('a')], [words('b')]);
    expect(blocks.map((block) => block.change)).toEqual(['removed', 'added']);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('shows a document whose every block changed as the old blocks removed and the new ones added', () => {
    const blocks = (prefix: string): string[] => Array.from({ length: 3_000 }, (_, index) => `${prefix} ${index}`);
    const started = performance.now();
    const diff = diffBlocks(blocks('old'), blocks('new'));
    expect(diff.length).toBe(6_000);
    expect(diff[0]).toEqual({ change: 'removed', parts: [{ text: 'old 0', change: 'removed' }] });
    expect(diff[3_000]).toEqual({ change: 'added', parts: [{ text: 'new 0', change: 'added' }] });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('reads the blocks of rich and plain-text documents, and of an encoded version', () => {
    const rich = richDoc('Hello', 'World');
    expect(documentBlocks(rich)).toEqual(['Hello', 'World']);
    expect(stateBlocks(Y.encodeStateAsUpdate(rich))).toEqual(['Hello', 'World']);
    const plain = new Y.Doc();
    writeDocumentFormat(plain, 'plaintext');
    plain.getText('text').insert(0, 'first line\nsecond line');
    expect(documentBlocks(plain)).toEqual(['first line', 'second line']);
    expect(stateBlocks(Y.encodeStateAsUpdate(plain))).toEqual(['first line', 'second line']);
  });
});

describe('relative times', () => {
  const now = Date.UTC(2026, 11, 2, 12);
  it('says how long ago a version was, in the largest unit that fits', () => {
    expect(relativeTime(now - 20_000, now, 'en')).toBe('now');
    expect(relativeTime(now + 5_000, now, 'en')).toBe('now');
    expect(relativeTime(now - 90_000, now, 'en')).toBe('1 minute ago');
    expect(relativeTime(now - 3 * 3600_000, now, 'en')).toBe('3 hours ago');
    expect(relativeTime(now - 30 * 3600_000, now, 'en')).toBe('yesterday');
    expect(relativeTime(now - 15 * 24 * 3600_000, now, 'en')).toBe('2 weeks ago');
    expect(relativeTime(now - 400 * 24 * 3600_000, now, 'en')).toBe('last year');
  });
});

describe('the address of the versions API', () => {
  it('is the editor server URL over http, with its path kept and the whole name encoded', () => {
    expect(versionsUrl('ws://localhost:1234', 'notes')).toBe('http://localhost:1234/api/documents/notes/versions');
    expect(versionsUrl('wss://docs.example.com/collab/', 'team/plan', 'v 1', 'restore')).toBe(
      'https://docs.example.com/collab/api/documents/team%2Fplan/versions/v%201/restore',
    );
    expect(versionsUrl('wss://docs.example.com?x=1', 'a')).toBe('https://docs.example.com/api/documents/a/versions');
  });
});
