/**
 * Several users in real Chromium, each in their own browser context, editing one document on a
 * real Tandem server: convergence, and each other's carets and selections (issue 3, tests 1-2).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait-for.js';
import { BROWSER_TEST_TIMEOUT_MS, drawnPosition, startBrowserSuite, type BrowserSuite } from './editor-page.js';

describe('collaborative editing in the browser', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let suite: BrowserSuite;
  beforeAll(async () => {
    suite = await startBrowserSuite();
  });
  afterEach(() => suite.endTest());
  afterAll(() => suite?.close());

  it('converges to the same text and HTML when three users type at once', async () => {
    const users = [
      { name: 'Ada', color: '#e11d48', text: 'Ada was here. ' },
      { name: 'Grace', color: '#2563eb', text: 'Grace types too! ' },
      { name: 'Linus', color: '#16a34a', text: 'Linus joins in. ' },
    ];
    const pagesOf = await Promise.all(users.map((user) => suite.join('three-writers', user)));
    await Promise.all(
      pagesOf.map(async (page, i) => {
        await page.click('.ProseMirror');
        await page.keyboard.type(users[i]?.text ?? '', { delay: 15 });
      }),
    );
    // Three carets at one spot: a remote insert that lands exactly at a local caret may leave the
    // caret after it, so one user's sentence can come out in pieces. What must hold is that every
    // page ends with the same document holding every keystroke, each user's in the order typed.
    // Each page may also have made its own first paragraph, so the text is read without breaks.
    const total = users.reduce((sum, user) => sum + user.text.length, 0);
    const texts = await waitFor(
      async () => {
        const now = await Promise.all(pagesOf.map((page) => page.evaluate(() => window.tandem?.editor.state.doc.textContent ?? '')));
        if (new Set(now).size === 1 && now[0]?.length === total) return now;
        throw new Error(`pages hold ${JSON.stringify(now)}`); // reported if the deadline passes
      },
      { message: `every page to hold the same ${total} characters` },
    );
    const html = await Promise.all(pagesOf.map((page) => page.evaluate(() => window.tandem?.editor.getHTML())));
    expect(new Set(html).size).toBe(1);
    const sorted = (text: string) => [...text].sort().join('');
    expect(sorted(texts[0] ?? '')).toBe(sorted(users.map((user) => user.text).join('')));
    for (const user of users) expect(isSubsequence(user.text, texts[0] ?? '')).toBe(true);
  });

  it("shows A's caret and selection in B's editor with A's name and colour, at A's position", async () => {
    const ada = await suite.join('caret-and-selection', { name: 'Ada', color: '#e11d48' });
    const bob = await suite.join('caret-and-selection', { name: 'Bob', color: '#2563eb' });
    await ada.click('.ProseMirror');
    await ada.keyboard.type('Hello brave new world');
    for (let i = 0; i < 'world'.length; i++) await ada.keyboard.press('Shift+ArrowLeft');
    // ProseMirror reads the browser's selection change a task after the key press resolves.
    const head = await ada
      .waitForFunction((length) => {
        const selection = window.tandem?.editor.state.selection;
        return selection !== undefined && selection.anchor - selection.head === length ? selection.head : null;
      }, 'world'.length)
      // waitForFunction resolves only on a truthy value, so this is the head, never null.
      .then((handle) => handle.jsonValue() as Promise<number>);
    await bob.waitForFunction(() => window.tandem?.editor.getText() === 'Hello brave new world');

    const caret = bob.locator('.tandem-caret');
    await caret.waitFor();
    await waitFor(async () => (await caret.locator('.tandem-cursor-label').textContent()) === 'Ada', { message: "A's name on the caret" });
    expect(await caret.evaluate((element) => getComputedStyle(element).backgroundColor)).toBe('rgb(225, 29, 72)');

    // Where A's head is in B's layout, read afresh on every poll: the comparison must be with the
    // layout the caret is drawn in now, not with one measured before B's page finished settling.
    const expectedAt = () =>
      bob.evaluate((pos) => {
        const view = window.tandem?.editor.view;
        if (view === undefined) return null;
        const coords = view.coordsAtPos(pos);
        const content = view.dom.getBoundingClientRect();
        return { x: coords.left - content.left, y: coords.top - content.top };
      }, head);
    expect(await expectedAt()).not.toBeNull();
    await waitFor(
      async () => {
        const [drawn, expected] = [await drawnPosition(bob, '.tandem-caret'), await expectedAt()];
        return drawn !== null && expected !== null && Math.abs(drawn.x - expected.x) <= 1 && Math.abs(drawn.y - expected.y) <= 1;
      },
      { message: "the caret drawn at A's position" },
    );

    const selection = bob.locator('.tandem-selection');
    await waitFor(async () => (await selection.allTextContents()).join('|') === 'world', { message: "A's selection highlighted" });
    expect(await selection.first().evaluate((element) => getComputedStyle(element).backgroundColor)).toBe('rgba(225, 29, 72, 0.25)');
  });

  it("undoes and redoes only the writer's own changes, never a peer's", async () => {
    const ada = await suite.join('own-undo', { name: 'Ada', color: '#e11d48' });
    const bob = await suite.join('own-undo', { name: 'Bob', color: '#2563eb' });
    await ada.click('.ProseMirror');
    await ada.keyboard.type('Ada wrote this.');
    await bob.waitForFunction(() => window.tandem?.editor.getText() === 'Ada wrote this.');
    await bob.click('.ProseMirror');
    await bob.keyboard.press('End');
    await bob.keyboard.press('Enter');
    await bob.keyboard.type('Bob added this.');
    const both = 'Ada wrote this.\n\nBob added this.';
    await ada.waitForFunction((text) => window.tandem?.editor.getText() === text, both);

    await ada.keyboard.press('Control+z');
    // Ada's paragraph was Ada's insertion too, so it goes with her text; Bob's stays untouched.
    for (const page of [ada, bob]) await page.waitForFunction(() => window.tandem?.editor.getText() === 'Bob added this.');
    await ada.keyboard.press('Control+Shift+z');
    for (const page of [ada, bob]) await page.waitForFunction((text) => window.tandem?.editor.getText() === text, both);
    expect(await bob.evaluate(() => window.tandem?.editor.can().undo())).toBe(true);
  });
});

/** Whether `part`'s characters all appear in `whole`, in the same order. */
function isSubsequence(part: string, whole: string): boolean {
  let at = 0;
  for (const char of whole) if (char === part[at]) at++;
  return at === part.length;
}
