/**
 * The content walk (what element names, formatting keys and attributes a Y.XmlFragment uses),
 * its comparison with a ProseMirror schema, and the schema record beside the format.
 */
import { describe, expect, it } from 'vitest';
import { getSchema } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import * as Y from 'yjs';
import { addContentNames, contentNames, emptyNames, markNameOf, missingNames } from '../../shared/content-names.js';
import { addToSchemaRecord, META_MAP, readSchemaRecord, writeDocumentFormat } from '../../shared/document-format.js';
import { element, text } from '../helpers/yjs-xml.js';

/** A document with nested nodes, marks on text (one overlapping mark stored under a hash) and attributes. */
function sampleDoc(): Y.Doc {
  const doc = new Y.Doc();
  doc
    .getXmlFragment('default')
    .insert(0, [
      element('heading', { level: '2' }, [text(['Plan'])]),
      element('callout', { tone: 'warning' }, [
        element('paragraph', {}, [
          text(
            ['a ', {}],
            ['highlighted', { highlight: { color: null } }],
            [' and ', {}],
            ['linked', { link: { href: 'https://example.com', target: '_blank' }, bold: {} }],
          ),
        ]),
        element('taskList', {}, [
          element('taskItem', { checked: 'true' }, [element('paragraph', {}, [text(['noted', { 'comment--AbCd1234': { id: 'c1' } }])])]),
        ]),
      ]),
    ]);
  return doc;
}

const starterKit = getSchema([StarterKit.configure({ undoRedo: false })]);

describe('the content walk', () => {
  it('lists the names of nested elements, the marks on their text, and the attributes of both', () => {
    const names = contentNames(sampleDoc().getXmlFragment('default'));
    expect([...names.nodes].sort()).toEqual(['callout', 'heading', 'paragraph', 'taskItem', 'taskList']);
    expect([...names.marks].sort()).toEqual(['bold', 'comment', 'highlight', 'link']);
    expect([...names.attributes].sort()).toEqual([
      'callout.tone',
      'comment.id',
      'heading.level',
      'highlight.color',
      'link.href',
      'link.target',
      'taskItem.checked',
    ]);
  });

  it('reads the name of a mark that y-prosemirror stored under a hash', () => {
    expect(markNameOf('comment--AbCd1234')).toBe('comment');
    expect(markNameOf('bold')).toBe('bold');
    expect(markNameOf('my--mark')).toBe('my--mark');
  });

  it('finds nothing in an empty fragment, and adds a subtree to names it already has', () => {
    const doc = new Y.Doc();
    expect(contentNames(doc.getXmlFragment('default'))).toEqual(emptyNames());
    const names = contentNames(sampleDoc().getXmlFragment('default'));
    const paragraph = element('blockquote', {}, [element('paragraph', {}, [text(['x', { italic: {} }])])]);
    doc.getXmlFragment('default').insert(0, [paragraph]);
    addContentNames(paragraph, names);
    expect(names.nodes.has('blockquote')).toBe(true);
    expect(names.marks.has('italic')).toBe(true);
  });
});

describe('comparing content with a schema', () => {
  it('names the nodes, marks and attributes a schema lacks, and nothing it has', () => {
    const missing = missingNames(contentNames(sampleDoc().getXmlFragment('default')), starterKit);
    expect(missing).toEqual(['callout', 'comment', 'highlight', 'taskItem', 'taskList']);
  });

  it('names an unknown attribute of a known node', () => {
    const doc = new Y.Doc();
    doc.getXmlFragment('default').insert(0, [element('paragraph', { textAlign: 'center' }, [text(['centred'])])]);
    expect(missingNames(contentNames(doc.getXmlFragment('default')), starterKit)).toEqual(['paragraph.textAlign']);
  });

  it('finds nothing missing in content the schema wrote', () => {
    const doc = new Y.Doc();
    doc
      .getXmlFragment('default')
      .insert(0, [element('heading', { level: '1' }, [text(['Title', { bold: {} }], [' link', { link: { href: 'https://a.example' } }])])]);
    expect(missingNames(contentNames(doc.getXmlFragment('default')), starterKit)).toEqual([]);
  });
});

describe('the schema record', () => {
  it('is absent until written, then holds the names and the version beside the format', () => {
    const doc = new Y.Doc();
    writeDocumentFormat(doc, 'richtext');
    expect(readSchemaRecord(doc)).toBeNull();
    expect(addToSchemaRecord(doc, { nodes: ['paragraph', 'callout'], marks: ['bold'], version: '3' })).toBe(true);
    const record = readSchemaRecord(doc);
    expect([...(record?.nodes ?? [])].sort()).toEqual(['callout', 'paragraph']);
    expect([...(record?.marks ?? [])]).toEqual(['bold']);
    expect(record?.version).toBe('3');
    expect(doc.getMap(META_MAP).get('format')).toBe('richtext');
  });

  it('writes nothing when every name is already recorded', () => {
    const doc = new Y.Doc();
    addToSchemaRecord(doc, { nodes: ['paragraph'], marks: ['bold'] });
    let transactions = 0;
    doc.on('afterTransaction', () => transactions++);
    expect(addToSchemaRecord(doc, { nodes: ['paragraph'], marks: ['bold'] })).toBe(false);
    expect(transactions).toBe(0);
  });

  it('merges two clients that record at once into the union of their names', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    addToSchemaRecord(a, { nodes: ['paragraph', 'callout'], marks: ['bold'] });
    addToSchemaRecord(b, { nodes: ['paragraph', 'taskList'], marks: ['highlight'] });
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    for (const doc of [a, b]) {
      const record = readSchemaRecord(doc);
      expect([...(record?.nodes ?? [])].sort()).toEqual(['callout', 'paragraph', 'taskList']);
      expect([...(record?.marks ?? [])].sort()).toEqual(['bold', 'highlight']);
    }
  });
});
