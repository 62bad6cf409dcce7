/**
 * Apps' own Tiptap extensions in real Chromium (issue 14): a document written with a node and
 * a mark that the demo app lacks is never changed by the demo app, which opens it read-only and
 * says why, even when the types arrive after it bound; an editor given the extensions through
 * the component edits it, and its schema record gains nothing. The demo app's own schema adds
 * highlight and task lists, with toolbar buttons, and the server exports them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import * as Y from 'yjs';
import { readSchemaRecord } from '../../shared/document-format.js';
import { waitFor } from '../helpers/wait-for.js';
import { BROWSER_TEST_TIMEOUT_MS, editorText, openDemoApp, startBrowserSuite, statusState, type BrowserSuite, type EditorUser } from './editor-page.js';

const CUSTOM = { ext: 'custom' };
const ADA: EditorUser = { name: 'Ada', color: '#e11d48' };
const BOB: EditorUser = { name: 'Bob', color: '#2563eb' };

/** Three paragraphs, a callout and a spoiler: what an app with the custom extensions writes. */
const CUSTOM_CONTENT = '<p>one</p><aside data-callout tone="warning"><p>watch <span data-spoiler>out</span> here</p></aside><p>three</p>';

/** The stored document, as the server exports it. */
async function storedDoc(suite: BrowserSuite, name: string): Promise<Y.Doc> {
  const response = await fetch(`${suite.server.httpUrl}/api/documents/${encodeURIComponent(name)}?format=yjs`);
  expect(response.status).toBe(200);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, new Uint8Array(await response.arrayBuffer()));
  return doc;
}

/** What a document holds, comparable as a document: state vector, XML and the `tandem` map. */
function asDocument(doc: Y.Doc): { stateVector: number[]; xml: string; meta: unknown } {
  return { stateVector: [...Y.encodeStateVector(doc)], xml: doc.getXmlFragment('default').toString(), meta: doc.getMap('tandem').toJSON() };
}

/** Waits until every change `page` made is on the server's disk. */
const saved = (page: Page): Promise<unknown> => waitFor(async () => (await statusState(page)) === 'live-saved', { timeout: 20_000, message: 'saved' });

/** Writes `html` at the end of the custom editor on `page`. */
async function write(page: Page, html: string): Promise<void> {
  await page.evaluate((content) => {
    const editor = window.tandem?.editor;
    editor?.commands.insertContentAt(editor.state.doc.content.size, content);
  }, html);
}

describe("an app's own extensions", { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let suite: BrowserSuite;
  beforeAll(async () => {
    suite = await startBrowserSuite();
  });
  afterEach(() => suite.endTest());
  afterAll(() => suite?.close());

  it('leaves a document with a node and a mark it lacks intact when the demo app opens it, and says so', async () => {
    const writer = await suite.join('ext-written', ADA, CUSTOM);
    await write(writer, CUSTOM_CONTENT);
    await saved(writer);
    await writer.context().close();
    const before = asDocument(await storedDoc(suite, 'ext-written'));
    expect(before.xml).toContain('<callout tone="warning">');
    expect(before.xml).toContain('<spoiler>out</spoiler>');

    const demo = await openDemoApp(suite, BOB, '/d/ext-written');
    const message = demo.locator('.tandem-editor__unsupported');
    await message.waitFor();
    expect(await message.textContent()).toContain("This document uses callout and spoiler, which this editor doesn't support");
    expect(await message.textContent()).toContain('Opened read-only so nothing is lost.');
    expect(await demo.locator('.ProseMirror').count()).toBe(0);
    expect(await demo.locator('.tandem-editor__read-only').textContent()).toContain('watch out here');
    await saved(demo);
    expect(asDocument(await storedDoc(suite, 'ext-written'))).toEqual(before);
  });

  it('turns the demo app read-only when a node it lacks arrives after it bound, and keeps the node', async () => {
    const demo = await openDemoApp(suite, BOB, '/d/ext-later');
    await demo.locator('.ProseMirror').waitFor();
    await saved(demo);
    await demo.click('.ProseMirror');
    await demo.keyboard.type('demo words');
    await saved(demo);
    // The demo app created the document: the record holds its schema, highlight and task lists included.
    const created = readSchemaRecord(await storedDoc(suite, 'ext-later'));
    expect(created?.marks.has('highlight')).toBe(true);
    expect(created?.nodes.has('taskList')).toBe(true);
    expect(created?.nodes.has('callout')).toBe(false);

    const writer = await suite.join('ext-later', ADA, CUSTOM);
    await waitFor(async () => (await editorText(writer)).includes('demo words'), { message: 'the custom editor shows the demo text' });
    await write(writer, '<aside data-callout><p>a callout from the app</p></aside>');
    await saved(writer);

    await demo.locator('.tandem-editor__unsupported').waitFor();
    expect(await demo.locator('.tandem-editor__unsupported').getAttribute('data-missing')).toBe('callout');
    await waitFor(async () => (await demo.locator('.tandem-editor__read-only').textContent())?.includes('a callout from the app'), {
      message: 'the read-only text shows the callout',
    });
    await saved(demo);
    const stored = asDocument(await storedDoc(suite, 'ext-later'));
    expect(stored.xml).toContain('<callout tone="note"><paragraph>a callout from the app</paragraph></callout>');
    expect(stored.xml).toContain('demo words');
    const writerXml = await writer.evaluate(() => window.tandem?.session.doc.getXmlFragment('default').toString());
    expect(stored.xml).toBe(writerXml);
  });

  it('edits such a document normally in an editor given the extensions, and its schema record gains nothing', async () => {
    const writer = await suite.join('ext-edited', ADA, CUSTOM);
    await write(writer, CUSTOM_CONTENT);
    await saved(writer);
    const recordBefore = readSchemaRecord(await storedDoc(suite, 'ext-edited'));
    expect(recordBefore?.nodes.has('callout')).toBe(true);
    expect(recordBefore?.marks.has('spoiler')).toBe(true);

    const editor = await suite.join('ext-edited', BOB, CUSTOM);
    expect(await editor.evaluate(() => window.tandemCheck?.kind)).toBe('ok');
    await editor.click('aside[data-callout] p');
    await editor.keyboard.press('End');
    await editor.keyboard.type(' and more');
    await waitFor(async () => (await editorText(writer)).includes('here and more'), { message: 'the first writer sees the edit' });
    await saved(editor);

    const stored = await storedDoc(suite, 'ext-edited');
    expect(stored.getXmlFragment('default').toString()).toContain(
      '<callout tone="warning"><paragraph>watch <spoiler>out</spoiler> here and more</paragraph></callout>',
    );
    expect(readSchemaRecord(stored)).toEqual(recordBefore);
  });

  it('highlights text and makes task lists from the demo toolbar, and the server exports them', async () => {
    const demo = await openDemoApp(suite, ADA, '/d/demo-schema');
    await demo.locator('.ProseMirror').waitFor();
    await saved(demo);
    await demo.click('.ProseMirror');
    await demo.keyboard.type('ship it');
    await demo.keyboard.press('Shift+Home');
    await demo.click('button[data-tool="highlight"]');
    await demo.click('button[data-tool="task-list"]');
    expect(await demo.locator('button[data-tool="highlight"]').getAttribute('aria-pressed')).toBe('true');
    await saved(demo);
    const xml = (await storedDoc(suite, 'demo-schema')).getXmlFragment('default').toString();
    // Y.XmlElement#toString lowercases names; StarterKit keeps an empty paragraph after a list.
    expect(xml).toBe('<tasklist><taskitem checked="false"><paragraph><highlight>ship it</highlight></paragraph></taskitem></tasklist><paragraph></paragraph>');
    const markdown = await (await fetch(`${suite.server.httpUrl}/api/documents/demo-schema?format=markdown`)).text();
    expect(markdown.trim()).toBe('- [ ] ==ship it==');
  });
});
