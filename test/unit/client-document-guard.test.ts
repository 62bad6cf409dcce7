// @vitest-environment happy-dom
/**
 * The document guard on real Tiptap editors bound through y-prosemirror: an editor never binds a
 * document holding a type its schema lacks, unbinds before such a type arriving later reaches
 * y-prosemirror (which would delete it for everyone), and an editor given the types edits
 * normally. The watch claims and records a new document once it is synced.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Editor } from '@tiptap/core';
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import { checkDocument, checkMessage, watchDocument, type DocumentWatch, type GuardedSession } from '../../client/editor/document-guard.js';
import { contentExtensions, editorSchema, tandemExtensions } from '../../client/editor/extensions.js';
import Collaboration from '@tiptap/extension-collaboration';
import Highlight from '@tiptap/extension-highlight';
import StarterKit from '@tiptap/starter-kit';
import type { SessionStatus } from '../../client/session/status.js';
import { textBlocks } from '../../client/editor/ReadOnlyText.js';
import { readSchemaRecord, readDocumentFormat } from '../../shared/document-format.js';
import { CUSTOM_EXTENSIONS } from '../e2e/fixtures/custom-extensions.js';

const opened: { editor?: Editor; awareness?: Awareness; watch?: DocumentWatch }[] = [];

afterEach(() => {
  for (const { editor, awareness, watch } of opened.splice(0)) {
    editor?.destroy();
    awareness?.destroy();
    watch?.stop();
  }
});

/** A Tandem rich-text editor on `doc`, with the app's `extensions`. */
function openEditor(doc: Y.Doc, extensions: Parameters<typeof tandemExtensions>[0]['extensions'] = []): Editor {
  const awareness = new Awareness(doc);
  const element = document.createElement('div');
  document.body.appendChild(element);
  const editor = new Editor({ element, extensions: tandemExtensions({ doc, awareness, extensions }) });
  opened.push({ editor, awareness });
  return editor;
}

/** Everything a document holds, comparable: its state vector, its XML and its `tandem` map. */
const snapshot = (doc: Y.Doc): unknown => ({
  stateVector: [...Y.encodeStateVector(doc)],
  xml: doc.getXmlFragment('default').toString(),
  meta: doc.getMap('tandem').toJSON(),
});

/** Two replicas that exchange every update, as two clients through a server. */
function linked(): [Y.Doc, Y.Doc] {
  const a = new Y.Doc();
  const b = new Y.Doc();
  a.on('update', (update: Uint8Array, origin: unknown) => origin !== b && Y.applyUpdate(b, update, a));
  b.on('update', (update: Uint8Array, origin: unknown) => origin !== a && Y.applyUpdate(a, update, b));
  return [a, b];
}

/** A document written by an app with the callout node and the spoiler mark. */
function customDoc(): Y.Doc {
  const doc = new Y.Doc();
  const writer = openEditor(doc, CUSTOM_EXTENSIONS);
  writer.commands.insertContent('<p>one</p><aside data-callout tone="warning"><p>watch <span data-spoiler>out</span></p></aside><p>three</p>');
  expect(doc.getXmlFragment('default').toString()).toContain('<callout tone="warning">');
  return doc;
}

describe('an editor meeting types its schema lacks', () => {
  it('never binds a document holding a node and a mark it lacks, and the document keeps them', () => {
    const doc = customDoc();
    const before = snapshot(doc);
    expect(checkDocument(doc, { format: 'richtext', schema: editorSchema() })).toEqual({
      kind: 'unsupported',
      format: 'richtext',
      missing: ['callout', 'spoiler'],
    });
    const editor = openEditor(doc);
    expect(snapshot(doc)).toEqual(before);
    expect(editor.getText()).toBe('');
    expect(editor.isEditable).toBe(false);
  });

  it('unbinds before a node it lacks, arriving later, reaches y-prosemirror, and the document keeps it', () => {
    const [mine, theirs] = linked();
    const editor = openEditor(mine);
    editor.commands.insertContent('<p>shared words</p>');
    expect(theirs.getXmlFragment('default').toString()).toContain('shared words');
    const writer = openEditor(theirs, CUSTOM_EXTENSIONS);
    writer.commands.insertContentAt(writer.state.doc.content.size, '<aside data-callout><p>from an app with callouts</p></aside>');
    const after = snapshot(theirs);
    expect(after).toEqual(snapshot(mine));
    expect(mine.getXmlFragment('default').toString()).toContain('<callout');
    expect(editor.isEditable).toBe(false);
    // The unbound view writes nothing back, whatever happens to it.
    editor.view.dispatch(editor.state.tr.insertText('late '));
    expect(snapshot(mine)).toEqual(after);
  });

  it('unbinds when a mark it lacks is put on text it shows', () => {
    const [mine, theirs] = linked();
    const editor = openEditor(mine);
    editor.commands.insertContent('<p>plain words</p>');
    const writer = openEditor(theirs, CUSTOM_EXTENSIONS);
    writer.chain().setTextSelection({ from: 1, to: 6 }).toggleSpoiler().run();
    expect(mine.getXmlFragment('default').toString()).toContain('<spoiler>plain</spoiler>');
    expect(editor.isEditable).toBe(false);
  });

  it('unbinds when an attribute it lacks is set on a paragraph it shows, and the document keeps it', () => {
    const [mine, theirs] = linked();
    const editor = openEditor(mine);
    editor.commands.insertContent('<p>aligned</p>');
    const paragraph = theirs.getXmlFragment('default').get(0) as Y.XmlElement;
    paragraph.setAttribute('textAlign', 'center');
    expect(editor.isEditable).toBe(false);
    expect(mine.getXmlFragment('default').toString()).toBe('<paragraph textAlign="center">aligned</paragraph>');
  });

  it('shows the text of every block read-only, unknown ones included', () => {
    const doc = customDoc();
    expect(textBlocks(doc.getXmlFragment('default'))).toEqual(['one', 'watch out', 'three']);
  });

  it('edits normally when given the extensions, and records nothing it lacks', () => {
    const doc = customDoc();
    const record = readSchemaRecord(doc);
    const editor = openEditor(doc, CUSTOM_EXTENSIONS);
    expect(editor.getText()).toContain('watch out');
    expect(editor.isEditable).toBe(true);
    editor.commands.insertContentAt(1, 'first ');
    expect(doc.getXmlFragment('default').toString()).toContain('first one');
    expect(doc.getXmlFragment('default').toString()).toContain('<callout tone="warning">');
    expect(readSchemaRecord(doc)).toEqual(record);
  });
});

/** A session as the guard reads it, whose sync and status a test sets. */
function fakeSession(doc: Y.Doc, readOnly = false): GuardedSession & { sync(): void } {
  const listeners = new Set<(status: SessionStatus) => void>();
  const session = {
    doc,
    synced: false,
    status: { kind: 'connecting' } as SessionStatus,
    readOnly,
    onStatus(listener: (status: SessionStatus) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    sync() {
      session.synced = true;
      session.status = { kind: 'live', saved: true } as SessionStatus;
      for (const listener of listeners) listener(session.status);
    },
  };
  return session;
}

describe('the document watch', () => {
  it('waits for the sync, then claims the document and records its schema and version', () => {
    const doc = new Y.Doc();
    const session = fakeSession(doc);
    const schema = editorSchema(CUSTOM_EXTENSIONS);
    const watch = watchDocument(session, { format: 'richtext', schema, schemaVersion: 'app-7' });
    opened.push({ watch });
    expect(watch.current().kind).toBe('pending');
    session.sync();
    expect(watch.current()).toEqual({ kind: 'ok', format: 'richtext' });
    expect(readDocumentFormat(doc)).toBe('richtext');
    const record = readSchemaRecord(doc);
    expect([...(record?.nodes ?? [])].sort()).toEqual(Object.keys(schema.nodes).sort());
    expect([...(record?.marks ?? [])].sort()).toEqual(Object.keys(schema.marks).sort());
    expect(record?.marks.has('spoiler')).toBe(true);
    expect(record?.version).toBe('app-7');
  });

  it('refuses a document whose record names a type it lacks, though the content does not use it', () => {
    const doc = new Y.Doc();
    const session = fakeSession(doc);
    const writer = watchDocument(session, { format: 'richtext', schema: editorSchema(CUSTOM_EXTENSIONS) });
    session.sync();
    writer.stop();
    const watch = watchDocument(session, { format: 'richtext', schema: editorSchema() });
    opened.push({ watch });
    expect(watch.current()).toEqual({ kind: 'unsupported', format: 'richtext', missing: ['callout', 'spoiler'] });
  });

  it('tells its listeners about an unknown type before any observer of that transaction runs', () => {
    const [mine, theirs] = linked();
    const order: string[] = [];
    mine.getXmlFragment('default').observeDeep(() => order.push('observer'));
    const watch = watchDocument(mine, { format: 'richtext', schema: editorSchema() });
    opened.push({ watch });
    watch.subscribe(() => order.push(watch.current().kind));
    const callout = new Y.XmlElement('callout');
    theirs.getXmlFragment('default').insert(0, [callout]);
    expect(order).toEqual(['unsupported', 'observer']);
  });

  it('writes nothing to a document while read-only', () => {
    const doc = customDoc();
    doc.getMap('tandem').clear();
    const before = snapshot(doc);
    const session = fakeSession(doc, true);
    const watch = watchDocument(session, { format: 'richtext', schema: editorSchema(CUSTOM_EXTENSIONS) });
    opened.push({ watch });
    session.sync();
    expect(watch.current().kind).toBe('ok');
    expect(snapshot(doc)).toEqual(before);
  });

  it('says which types are missing and that nothing is lost', () => {
    expect(checkMessage({ kind: 'unsupported', format: 'richtext', missing: ['callout', 'highlight'] })).toBe(
      "This document uses callout and highlight, which this editor doesn't support: it was written by a newer or different editor. Opened read-only so nothing is lost.",
    );
  });
});

describe("an app's content extensions", () => {
  it('are added to the default schema: StarterKit, highlight and task lists', () => {
    const schema = editorSchema(CUSTOM_EXTENSIONS);
    for (const node of ['paragraph', 'heading', 'taskList', 'taskItem', 'callout']) expect(schema.nodes[node]).toBeDefined();
    for (const mark of ['bold', 'link', 'underline', 'highlight', 'spoiler']) expect(schema.marks[mark]).toBeDefined();
  });

  it('replace the default of the same name', () => {
    const extensions = contentExtensions([StarterKit.configure({ undoRedo: false, heading: false }), Highlight.configure({ multicolor: true })]);
    expect(extensions.filter((extension) => extension.name === 'starterKit')).toHaveLength(1);
    const schema = editorSchema([StarterKit.configure({ undoRedo: false, heading: false }), Highlight.configure({ multicolor: true })]);
    expect(schema.nodes.heading).toBeUndefined();
    expect(schema.marks.highlight?.spec.attrs).toHaveProperty('color');
  });

  it("refuse Tiptap's own undo and redo, because Yjs is the history", () => {
    expect(() => contentExtensions([StarterKit])).toThrow(/undoRedo: false/);
  });

  it('refuse a second, unguarded Collaboration', () => {
    expect(() => contentExtensions([Collaboration])).toThrow(/binds the document itself/);
  });
});
