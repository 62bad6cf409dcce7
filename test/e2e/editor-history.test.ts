/**
 * Issue 18, the editor's history panel in Chromium: versions listed newest first with label and
 * author, naming a version, a preview that marks what changed since, restoring after a
 * confirmation, a second user who sees the restored text, keyboard use (focus and Escape), in
 * rich and plain text, in the component (with a token) and in the demo app, captured as
 * screenshots under test-artifacts/.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { TEST_SECRET, tokenFor } from '../helpers/attack.js';
import { waitFor } from '../helpers/wait-for.js';
import { BROWSER_TEST_TIMEOUT_MS, editorText, openDemoApp, startBrowserSuite, statusState, type BrowserSuite } from './editor-page.js';

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

const ADA = { name: 'Ada', color: '#e11d48' };
const GRACE = { name: 'Grace', color: '#2563eb' };

/** Waits until the page's changes are on the server's disk, so a version made now holds them. */
const saved = (page: Page): Promise<boolean> => waitFor(async () => (await statusState(page)) === 'live-saved', { message: 'saved' });

/** The text of the elements matching `selector` in the history preview. */
const marked = (page: Page, selector: string): Promise<string[]> => page.locator(`.tandem-history__preview ${selector}`).allTextContents();

/** Which element has the focus: its accessible text. */
const focused = (page: Page): Promise<string> => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');

/** Opens the panel and names the current content `label` from the keyboard. */
async function nameVersion(page: Page, label: string): Promise<void> {
  const panel = page.getByRole('dialog', { name: 'Version history' });
  await panel.getByRole('textbox', { name: 'Version name' }).fill(label);
  await panel.getByRole('textbox', { name: 'Version name' }).press('Enter');
  await panel.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
}

describe('the history panel', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let suite: BrowserSuite;
  beforeAll(async () => {
    suite = await startBrowserSuite({ auth: { kind: 'secret', secret: TEST_SECRET } });
  });
  afterEach(() => suite.endTest());
  afterAll(() => suite?.close());

  it('names a version, previews it with the changes since marked, and restores it for everyone after a confirmation', async () => {
    const ada = await suite.join('history-rich', ADA, { history: '1', token: await tokenFor(['history-*:write'], { subject: 'ada', name: 'Ada' }) });
    const grace = await suite.join('history-rich', GRACE, { token: await tokenFor(['history-*:write'], { subject: 'grace', name: 'Grace' }) });
    await ada.click('.ProseMirror');
    await ada.keyboard.type('The launch is on Monday.', { delay: 5 });
    await saved(ada);

    await ada.getByRole('button', { name: 'History', exact: true }).click();
    const panel = ada.getByRole('dialog', { name: 'Version history' });
    await panel.waitFor();
    expect(await focused(ada)).toBe('Version history');
    await nameVersion(ada, 'Before the review');
    const first = panel.locator('.tandem-history__version').first();
    expect(await first.locator('.tandem-history__title').textContent()).toBe('Before the review');
    expect(await first.locator('.tandem-history__by').textContent()).toBe('ada');
    expect(await first.locator('time').textContent()).toBe('now');

    await ada.click('.ProseMirror');
    await ada.keyboard.press('End');
    for (let index = 0; index < 'Monday.'.length; index++) await ada.keyboard.press('Backspace');
    await ada.keyboard.type('Thursday.\nA paragraph added later.', { delay: 5 });
    await grace.waitForFunction(() => window.tandem?.editor.getText().includes('added later'));
    await saved(ada);

    await first.click();
    await panel.getByRole('region', { name: 'Preview of Before the review' }).waitFor();
    expect(await marked(ada, '.tandem-history__text del')).toEqual(['Monday']);
    expect(await marked(ada, '.tandem-history__text ins')).toEqual(['Thursday', 'A paragraph added later.']);
    await mkdir(artifacts, { recursive: true });
    await ada.screenshot({ path: `${artifacts}history-preview.png` });

    await panel.getByRole('button', { name: 'Restore this version' }).click();
    const question = ada.getByRole('alertdialog');
    await question.waitFor();
    expect(await focused(ada)).toBe('Cancel');
    await ada.keyboard.press('Escape');
    await question.waitFor({ state: 'detached' });
    expect(await focused(ada)).toBe('Restore this version');
    expect(await panel.isVisible()).toBe(true);
    expect(await editorText(grace)).toContain('Thursday');

    await ada.keyboard.press('Enter');
    await question.getByRole('button', { name: 'Restore' }).click();
    await grace.waitForFunction(() => window.tandem?.editor.getText() === 'The launch is on Monday.', undefined, { timeout: 5_000 });
    expect(await editorText(ada)).toBe('The launch is on Monday.');
    await panel.getByText('No changes since this version.').waitFor();
    await panel.locator('.tandem-history__version[data-kind="before-restore"]').waitFor();
    expect(await panel.locator('.tandem-history__version').first().getAttribute('data-kind')).toBe('before-restore');

    await ada.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    expect(await focused(ada)).toBe('History');
  });

  it('lets a reader list and preview versions, but offers neither naming nor restoring', async () => {
    const writer = await suite.join('history-read', ADA, { token: await tokenFor(['history-*:write'], { subject: 'ada' }) });
    await writer.click('.ProseMirror');
    await writer.keyboard.type('Read me', { delay: 5 });
    await saved(writer);
    const reader = await suite.join('history-read', GRACE, { history: '1', token: await tokenFor(['history-*:read'], { subject: 'grace' }) });
    await reader.waitForFunction(() => window.tandem?.session.readOnly === true);
    await reader.getByRole('button', { name: 'History', exact: true }).click();
    const panel = reader.getByRole('dialog', { name: 'Version history' });
    await panel.waitFor();
    await panel.getByText('No versions yet.').waitFor();
    expect(await panel.getByRole('textbox', { name: 'Version name' }).count()).toBe(0);

    // A version the writer saves over HTTP is listed when the reader opens the panel again.
    const response = await fetch(`${suite.server.httpUrl}/api/documents/history-read/versions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenFor(['history-*:write'], { subject: 'ada' })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ label: 'Saved by the writer' }),
    });
    expect(response.status).toBe(201);
    await reader.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    await reader.keyboard.press('Enter');
    await panel.getByText('Saved by the writer').click();
    await panel.getByRole('region', { name: 'Preview of Saved by the writer' }).waitFor();
    expect(await panel.getByRole('button', { name: 'Restore this version' }).count()).toBe(0);
  });

  it('works on a plain-text document, line by line', async () => {
    const token = await tokenFor(['history-*:write'], { subject: 'ada' });
    const ada = await suite.join('history-plain', ADA, { history: '1', format: 'plaintext', token });
    const grace = await suite.join('history-plain', GRACE, { format: 'plaintext', token: await tokenFor(['history-*:write'], { subject: 'grace' }) });
    await ada.click('.ProseMirror');
    await ada.keyboard.type('alpha\nbeta', { delay: 5 });
    await saved(ada);
    await ada.getByRole('button', { name: 'History', exact: true }).click();
    await nameVersion(ada, 'Two lines');

    await ada.click('.ProseMirror');
    await ada.keyboard.press('Control+End');
    await ada.keyboard.type('\ngamma', { delay: 5 });
    await saved(ada);
    const panel = ada.getByRole('dialog', { name: 'Version history' });
    await panel.locator('.tandem-history__version').first().click();
    await panel.getByRole('region', { name: 'Preview of Two lines' }).waitFor();
    expect(await marked(ada, '.tandem-history__text ins')).toEqual(['gamma']);
    expect(await marked(ada, '.tandem-history__text del')).toEqual([]);

    await panel.getByRole('button', { name: 'Restore this version' }).click();
    await ada.getByRole('alertdialog').getByRole('button', { name: 'Restore' }).click();
    await grace.waitForFunction(() => !window.tandem?.editor.getText().includes('gamma'), undefined, { timeout: 5_000 });
    expect(await grace.evaluate(() => window.tandem?.session.doc.getText('text').toString())).toBe('alpha\nbeta');
  });
});

describe('the history panel of the demo app', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let suite: BrowserSuite;
  beforeAll(async () => {
    suite = await startBrowserSuite();
  });
  afterEach(() => suite.endTest());
  afterAll(() => suite?.close());

  it('opens from the app bar and names a version', async () => {
    const page = await openDemoApp(suite, ADA, '/d/history-demo');
    await page.locator('.ProseMirror').waitFor();
    await page.click('.ProseMirror');
    await page.keyboard.type('Demo text', { delay: 5 });
    await saved(page);
    await page.getByRole('button', { name: 'History', exact: true }).click();
    expect(await page.getByRole('button', { name: 'History', exact: true }).getAttribute('aria-expanded')).toBe('true');
    await nameVersion(page, 'From the demo');
    expect(await page.locator('.tandem-history__version .tandem-history__title').first().textContent()).toBe('From the demo');
    await page.locator('.tandem-history__version').first().click();
    await page.getByRole('region', { name: 'Preview of From the demo' }).waitFor();
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: `${artifacts}history-demo-app.png` });
  });
});
