/**
 * The schema-free reading of a rich-text document: its Yjs XML as ProseMirror-shaped JSON, and
 * the plain text of that JSON, compared with what ProseMirror gives through a schema.
 */
import { describe, expect, it } from 'vitest';
import { getSchema, type JSONContent } from '@tiptap/core';
import { Node as PmNode } from '@tiptap/pm/model';
import * as Y from 'yjs';
import { contentJson, contentText } from '../../shared/content-json.js';
import { schemaExtensions } from '../../shared/schema.js';
import { element, text } from '../helpers/yjs-xml.js';

function fragmentOf(...children: Y.XmlElement[]): Y.XmlFragment {
  const fragment = new Y.Doc().getXmlFragment('default');
  fragment.insert(0, children);
  return fragment;
}

describe('contentJson', () => {
  it('reads nested nodes, their attributes, and marks with attributes, an overlapping one stored under a hash', () => {
    const fragment = fragmentOf(
      element('callout', { tone: 'warn' }, [
        element('paragraph', {}, [text(['see '], ['docs', { link: { href: 'https://x.test' } }], [' now', { 'comment--aGVsbG8x': { id: 'c1' }, bold: {} }])]),
      ]),
      element('paragraph', {}, []),
    );
    expect(contentJson(fragment)).toEqual({
      type: 'doc',
      content: [
        {
          type: 'callout',
          attrs: { tone: 'warn' },
          content: [
            {
              type: 'paragraph',
              content: [
                { type: 'text', text: 'see ' },
                { type: 'text', text: 'docs', marks: [{ type: 'link', attrs: { href: 'https://x.test' } }] },
                { type: 'text', text: ' now', marks: [{ type: 'comment', attrs: { id: 'c1' } }, { type: 'bold' }] },
              ],
            },
          ],
        },
        { type: 'paragraph' },
      ],
    });
    expect(contentJson(new Y.Doc().getXmlFragment('default'))).toEqual({ type: 'doc' });
  });
});

describe('contentText', () => {
  it('gives the text ProseMirror gives through the schema: blocks on lines, a hard break as a line break', () => {
    const fragment = fragmentOf(
      element('heading', { level: '1' }, [text(['Title'])]),
      element('paragraph', {}, [text(['one']), element('hardBreak', {}, []), text(['two', { bold: {} }])]),
      element('paragraph', {}, []),
      element('bulletList', {}, [
        element('listItem', {}, [
          element('paragraph', {}, [text(['a'])]),
          element('bulletList', {}, [element('listItem', {}, [element('paragraph', {}, [text(['b'])])])]),
        ]),
      ]),
    );
    const json = contentJson(fragment);
    const node = PmNode.fromJSON(getSchema(schemaExtensions()), {
      ...(json as JSONContent),
      content: (json.content ?? []).map((block) => (block.type === 'heading' ? { ...block, attrs: { level: 1 } } : block)),
    });
    expect(contentText(json)).toBe(node.textBetween(0, node.content.size, '\n', '\n'));
    expect(contentText(json)).toBe('Title\none\ntwo\n\na\nb');
  });
});
