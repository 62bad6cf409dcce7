/**
 * Issue 4, in the browser: with auth on, a user whose token only reads the document gets an editor
 * that does not accept typing (the server would drop the edits), sees the writer's text arrive,
 * and shows up to others under the token's name rather than the one the page claims.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRET, tokenFor } from '../helpers/attack.js';
import { BROWSER_TEST_TIMEOUT_MS, editorText, startBrowserSuite, type BrowserSuite } from './editor-page.js';

describe('a read-only user in the browser', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let suite: BrowserSuite;
  beforeAll(async () => {
    suite = await startBrowserSuite({ auth: { kind: 'secret', secret: TEST_SECRET }, readOnlyPresence: true });
  });
  afterEach(() => suite.endTest());
  afterAll(() => suite?.close());

  it('cannot type, sees the writer, and is named by the token', async () => {
    const writer = await suite.join('wiki-page', { name: 'Wren', color: '#16a34a' }, { token: await tokenFor(['wiki-*:write'], { name: 'Wren' }) });
    const viewer = await suite.join('wiki-page', { name: 'Somebody Else', color: '#e11d48' }, { token: await tokenFor(['wiki-*:read'], { name: 'Vee' }) });
    await viewer.waitForFunction(() => window.tandem?.session.readOnly === true && window.tandem.editor.isEditable === false);
    expect(await writer.evaluate(() => window.tandem?.editor.isEditable)).toBe(true);

    await viewer.click('.ProseMirror');
    await viewer.keyboard.type('not allowed', { delay: 10 });
    await writer.click('.ProseMirror');
    await writer.keyboard.type('written by Wren', { delay: 10 });
    await viewer.waitForFunction(() => window.tandem?.editor.getText().includes('written by Wren'));
    expect(await editorText(viewer)).not.toContain('not allowed');
    expect(await editorText(writer)).toBe('written by Wren');
    const names = await writer.evaluate(() => window.tandem?.session.peers().map((peer) => peer.user.name));
    expect(names).toContain('Vee');
    expect(names).not.toContain('Somebody Else');
  });
});
