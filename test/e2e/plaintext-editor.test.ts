/**
 * Plain-text documents in real Chromium (issue 8): two users typing at once converge, a Node
 * script writing the Y.Text through a stock y-websocket provider shows up live in both editors,
 * carets land where their writer is, and a document opened in the other format shows a message.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { fixtureUrl } from '../helpers/browser.js';
import { ClientPool } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait-for.js';
import { BROWSER_TEST_TIMEOUT_MS, drawnPosition, startBrowserSuite, type BrowserSuite } from './editor-page.js';

const PLAIN = { format: 'plaintext' };

/** The editor's text with one newline per line, as the Y.Text holds it. */
const plainText = (page: Page): Promise<string> => page.evaluate(() => window.tandem?.editor.getText({ blockSeparator: '\n' }) ?? '');

/** Waits until the page's editor shows exactly `text`. */
const showsText = (page: Page, text: string): Promise<unknown> =>
  page.waitForFunction((wanted) => window.tandem?.editor.getText({ blockSeparator: '\n' }) === wanted, text);

describe('plain-text documents in the browser', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let suite: BrowserSuite;
  const pool = new ClientPool();
  beforeAll(async () => {
    suite = await startBrowserSuite();
  });
  afterEach(async () => {
    pool.destroyAll();
    await suite.endTest();
  });
  afterAll(() => suite?.close());

  it('converges when two users type lines into a plain-text document at the same time', async () => {
    const ada = await suite.join('plain-two-writers', { name: 'Ada', color: '#e11d48' }, PLAIN);
    const bob = await suite.join('plain-two-writers', { name: 'Bob', color: '#2563eb' }, PLAIN);
    await Promise.all(
      [ada, bob].map(async (page, i) => {
        await page.click('.ProseMirror');
        await page.keyboard.type(i === 0 ? 'ada one' : 'bob one', { delay: 15 });
        await page.keyboard.press('Enter');
        await page.keyboard.type(i === 0 ? 'ada two' : 'bob two', { delay: 15 });
      }),
    );
    await waitFor(
      async () => {
        const [a, b] = await Promise.all([plainText(ada), plainText(bob)]);
        if (a === b && ['ada one', 'ada two', 'bob one', 'bob two'].every((line) => a.includes(line))) return true;
        // Reported if the deadline passes: what each editor showed last.
        throw new Error(`Ada shows ${JSON.stringify(a)}, Bob ${JSON.stringify(b)}`);
      },
      { timeout: 20_000, message: 'both editors hold both writers’ lines' },
    );
    const shared = await ada.evaluate(() => window.tandem?.session.doc.getText('text').toString());
    expect(shared).toBe(await plainText(ada));
    expect(shared?.split('\n').length).toBeGreaterThanOrEqual(3);
    expect(await ada.locator('.tandem-toolbar__button').count()).toBe(2);
  });

  it('shows text that a Node script appends to the Y.Text live in both editors', async () => {
    const ada = await suite.join('plain-script', { name: 'Ada', color: '#e11d48' }, PLAIN);
    const bob = await suite.join('plain-script', { name: 'Bob', color: '#2563eb' }, PLAIN);
    await ada.click('.ProseMirror');
    await ada.keyboard.type('typed');
    await showsText(bob, 'typed');
    const script = await pool.connectSynced(suite.server.wsUrl, 'plain-script');
    const text = script.doc.getText('text');
    await waitFor(() => text.toString() === 'typed', { message: 'the script sees the typed text' });
    text.insert(text.length, '\nfrom a script\nand more');
    for (const page of [ada, bob]) await showsText(page, 'typed\nfrom a script\nand more');
    expect(await ada.evaluate(() => window.tandem?.editor.state.doc.childCount)).toBe(3);
    // The script wrote at Ada's caret; her caret stays where she was typing.
    await ada.keyboard.type('!');
    await waitFor(() => text.toString() === 'typed!\nfrom a script\nand more', { message: 'the script sees the edit before its own' });
  });

  it("draws A's caret in B's editor at A's place in the text", async () => {
    const ada = await suite.join('plain-caret', { name: 'Ada', color: '#e11d48' }, PLAIN);
    const bob = await suite.join('plain-caret', { name: 'Bob', color: '#2563eb' }, PLAIN);
    await ada.click('.ProseMirror');
    await ada.keyboard.type('first line');
    await ada.keyboard.press('Enter');
    await ada.keyboard.type('second');
    await ada.keyboard.press('ArrowLeft');
    await ada.keyboard.press('ArrowLeft');
    await showsText(bob, 'first line\nsecond');
    const caret = bob.locator('.tandem-caret');
    await caret.waitFor();
    await waitFor(async () => (await caret.locator('.tandem-cursor-label').textContent()) === 'Ada', { message: "A's name on the caret" });
    // Text index 15 ("first line\nseco|nd") is position 17 in the document.
    const expected = await bob.evaluate(() => {
      const view = window.tandem?.editor.view;
      if (view === undefined) return null;
      const coords = view.coordsAtPos(17);
      const content = view.dom.getBoundingClientRect();
      return { x: coords.left - content.left, y: coords.top - content.top };
    });
    expect(expected).not.toBeNull();
    await waitFor(
      async () => {
        const drawn = await drawnPosition(bob, '.tandem-caret');
        return drawn !== null && expected !== null && Math.abs(drawn.x - expected.x) <= 1 && Math.abs(drawn.y - expected.y) <= 1;
      },
      { message: "the caret drawn at A's position" },
    );
  });

  it('shows a clear message, not an editor, when a plain-text document is opened as rich text', async () => {
    const writer = await suite.join('plain-opened-rich', { name: 'Ada', color: '#e11d48' }, PLAIN);
    await writer.click('.ProseMirror');
    await writer.keyboard.type('plain words');
    const rich = await suite.newPage();
    await rich.goto(fixtureUrl(suite.server.httpUrl, 'editor', { doc: 'plain-opened-rich', name: 'Bob', color: '#2563eb' }));
    const message = rich.locator('.tandem-editor__format-mismatch');
    await message.waitFor();
    expect(await message.textContent()).toContain('This document is plain text');
    expect(await rich.locator('.ProseMirror').count()).toBe(0);
    expect(await rich.evaluate(() => window.tandem)).toBeUndefined();
  });

  it('shows a clear message, not an editor, when a rich-text document is opened as plain text', async () => {
    const writer = await suite.join('rich-opened-plain', { name: 'Ada', color: '#e11d48' });
    await writer.click('.ProseMirror');
    await writer.keyboard.type('rich words');
    const plain = await suite.newPage();
    await plain.goto(fixtureUrl(suite.server.httpUrl, 'editor', { doc: 'rich-opened-plain', name: 'Bob', color: '#2563eb', ...PLAIN }));
    const message = plain.locator('.tandem-editor__format-mismatch');
    await message.waitFor();
    expect(await message.textContent()).toContain('This document is rich text');
    expect(await plain.locator('.ProseMirror').count()).toBe(0);
  });
});
