/** Reading the editor fixture page (test/e2e/fixtures/editor.tsx) from tests. */
import type { Page } from 'playwright-core';
import type { Point } from '../../client/presence/interpolator.js';

/** A simulated user's identity. */
export interface EditorUser {
  name: string;
  color: string;
}

/** Opens the fixture at `url` and waits until its session is live and synced. */
export async function openEditor(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => window.tandem?.session.status.kind === 'live');
}

/** The document text as the editor holds it (never innerText, which includes caret labels). */
export function editorText(page: Page): Promise<string> {
  return page.evaluate(() => window.tandem?.editor.getText() ?? '');
}

/** Where the first element matching `selector` is drawn, in editor-content coordinates. */
export function drawnPosition(page: Page, selector: string): Promise<Point | null> {
  return page.evaluate((sel) => {
    const element = document.querySelector<HTMLElement>(sel);
    const match = element?.style.transform.match(/translate\((-?[\d.e+-]+)px, (-?[\d.e+-]+)px\)/);
    return match ? { x: Number(match[1]), y: Number(match[2]) } : null;
  }, selector);
}
