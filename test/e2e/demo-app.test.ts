/**
 * The demo app the server serves at `/`: opening documents by name and link, the remembered
 * identity, and two people editing together, captured as screenshots under test-artifacts/
 * (issue 3, test 9).
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait-for.js';
import { BROWSER_TEST_TIMEOUT_MS, openDemoApp, startBrowserSuite, statusState, type BrowserSuite } from './editor-page.js';

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

describe('the demo app', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let suite: BrowserSuite;
  beforeAll(async () => {
    suite = await startBrowserSuite();
  });
  afterEach(() => suite.endTest());
  afterAll(() => suite?.close());

  it('opens a document by name from the start page, at its shareable link', async () => {
    const page = await openDemoApp(suite, { name: 'Ada', color: '#e11d48' }, '/');
    await page.fill('input[aria-label="Document name"]', 'team/weekly-plan');
    await page.click('button[type="submit"]');
    await page.waitForURL(`${suite.server.httpUrl}/d/team/weekly-plan`);
    await page.locator('.ProseMirror').waitFor();
    await waitFor(async () => (await statusState(page)) === 'live-saved', { message: 'saved' });
    expect(await page.locator('.app-bar__title').textContent()).toBe('team/weekly-plan');
    expect(await page.title()).toBe('team/weekly-plan · Tandem');
  });

  it('remembers the display name and colour chosen on the start page', async () => {
    const page = await openDemoApp(suite, { name: 'Ada', color: '#e11d48' }, '/');
    await page.fill('input[aria-label="Display name"]', 'Grace Hopper');
    await page.click('button[aria-label="#0d9488"]');
    await page.goto(`${suite.server.httpUrl}/d/identity-check`);
    await page.locator('.ProseMirror').waitFor();
    // The own avatar is the one that opens the name and colour chooser, at the end of the bar.
    const self = page.locator('.app-bar .identity-menu__button');
    await self.waitFor();
    expect(await self.getAttribute('title')).toBe('Grace Hopper (you)');
    expect(await self.locator('.tandem-presence__avatar').evaluate((element) => getComputedStyle(element).backgroundColor)).toBe('rgb(13, 148, 136)');
  });

  it('shows two people editing together, and saves screenshots of it', async () => {
    const ada = await openDemoApp(suite, { name: 'Ada Lovelace', color: '#e11d48' }, '/d/launch-plan');
    const grace = await openDemoApp(suite, { name: 'Grace Hopper', color: '#2563eb' }, '/d/launch-plan');
    for (const page of [ada, grace]) await waitFor(async () => (await statusState(page)) === 'live-saved', { message: 'live' });

    await ada.click('.ProseMirror');
    await ada.keyboard.type('# Launch plan\n', { delay: 5 });
    await ada.keyboard.type(
      'The editor ships on Thursday. Carets glide between updates, and the status line only says Saved once the server has written every change to disk.\n',
      { delay: 2 },
    );
    await ada.keyboard.type('- Server: durable-save acks\n', { delay: 2 });
    await ada.keyboard.type('Client: interpolated cursors\n', { delay: 2 });
    await ada.keyboard.type('Demo app and docs', { delay: 2 });
    await grace.waitForFunction(() => document.querySelector('.ProseMirror')?.textContent?.includes('Demo app and docs'));

    await grace.click('.ProseMirror p');
    await grace.keyboard.press('End');
    await grace.keyboard.type(' Grace reviews the offline mode today.', { delay: 5 });
    await ada.click('.ProseMirror h1', { position: { x: 2, y: 12 } });
    await ada.keyboard.press('Shift+End');
    const point = await grace.locator('.ProseMirror ul').boundingBox();
    if (point !== null) await grace.mouse.move(point.x + 330, point.y + 20, { steps: 4 });

    await ada.locator('.tandem-pointer').waitFor();
    await ada.locator('.tandem-caret').waitFor();
    await grace.locator('.tandem-selection').waitFor();
    for (const page of [ada, grace]) await waitFor(async () => (await statusState(page)) === 'live-saved', { message: 'saved' });
    await mkdir(artifacts, { recursive: true });
    await grace.screenshot({ path: `${artifacts}two-users-grace.png` });
    await ada.screenshot({ path: `${artifacts}two-users-ada.png` });
    const texts = await Promise.all([ada, grace].map((page) => page.locator('.ProseMirror').evaluate((element) => element.textContent)));
    expect(texts[0]).toBe(texts[1]);
  });
});
