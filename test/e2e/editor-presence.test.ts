/**
 * Presence in real Chromium: interpolated pointers, the throttle on the wire, cursors leaving
 * with their tab, and carets shared with a stock Tiptap CollaborationCaret page (issue 3, tests
 * 3, 4, 6 and 8).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { MessageType } from '../../shared/protocol.js';
import type { Point } from '../../client/presence/interpolator.js';
import { fixtureUrl } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait-for.js';
import { BROWSER_TEST_TIMEOUT_MS, clientIdOf, drawnPosition, receivedPointer, sentFrames, startBrowserSuite, type BrowserSuite } from './editor-page.js';

/** The viewport position of a point given relative to the page's editor content. */
async function contentPoint(page: Page, x: number, y: number): Promise<Point> {
  const box = await page.locator('.ProseMirror').boundingBox();
  if (box === null) throw new Error('no editor content on the page');
  return { x: box.x + x, y: box.y + y };
}

/** Waits until `viewer` draws the pointer of `clientId` exactly where that client put it. */
async function waitForPointerAt(viewer: Page, clientId: number, target: Point, tolerance: number): Promise<void> {
  await waitFor(
    async () => {
      const received = await receivedPointer(viewer, clientId);
      const drawn = await drawnPosition(viewer, '.tandem-pointer');
      return (
        received !== null &&
        drawn !== null &&
        Math.abs(received.x - target.x) < 0.01 &&
        Math.abs(received.y - target.y) < 0.01 &&
        Math.abs(drawn.x - target.x) <= tolerance &&
        Math.abs(drawn.y - target.y) <= tolerance
      );
    },
    { message: `pointer drawn at ${target.x},${target.y}` },
  );
}

describe('presence in the browser', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let suite: BrowserSuite;
  beforeAll(async () => {
    suite = await startBrowserSuite();
  });
  afterEach(() => suite.endTest());
  afterAll(() => suite?.close());

  it("glides A's pointer through intermediate positions after a jump that came in one update", async () => {
    const ada = await suite.join('pointer-glide', { name: 'Ada', color: '#e11d48' });
    const bob = await suite.join('pointer-glide', { name: 'Bob', color: '#2563eb' });
    const adaId = await clientIdOf(ada);
    const start = await contentPoint(ada, 40, 30);
    await ada.mouse.move(start.x, start.y);
    await waitForPointerAt(bob, adaId, { x: 40, y: 30 }, 0);

    await bob.evaluate(() => {
      const samples: string[] = [];
      const pointer = document.querySelector<HTMLElement>('.tandem-pointer');
      const sample = (): void => {
        samples.push(pointer?.style.transform ?? '');
        if ((window as { sampling?: string[] }).sampling === samples) requestAnimationFrame(sample);
      };
      (window as { sampling?: string[] }).sampling = samples;
      requestAnimationFrame(sample);
    });
    const before = (await sentFrames(ada, MessageType.Awareness)).length;
    const end = await contentPoint(ada, 460, 210);
    await ada.mouse.move(end.x, end.y);
    await waitForPointerAt(bob, adaId, { x: 460, y: 210 }, 1);
    const samples = await bob.evaluate(async () => {
      // Two more frames, so the samples include where the pointer came to rest.
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      const all = (window as { sampling?: string[] }).sampling ?? [];
      (window as { sampling?: string[] }).sampling = undefined;
      return all;
    });

    expect((await sentFrames(ada, MessageType.Awareness)).length - before).toBe(1);
    const points = samples
      .map((transform) => transform.match(/translate\((-?[\d.e+-]+)px, (-?[\d.e+-]+)px\)/))
      .filter((match): match is RegExpMatchArray => match !== null)
      .map((match) => ({ x: Number(match[1]), y: Number(match[2]) }));
    const between = new Set(points.filter((p) => p.x > 40 && p.x < 460 && p.y > 30 && p.y < 210).map((p) => `${p.x},${p.y}`));
    expect(between.size).toBeGreaterThanOrEqual(3);
    const last = points.at(-1);
    expect(Math.abs((last?.x ?? 0) - 460)).toBeLessThanOrEqual(1);
    expect(Math.abs((last?.y ?? 0) - 210)).toBeLessThanOrEqual(1);
  });

  it('sends at most 31 awareness frames in any second of 200 pointer moves, and the last position arrives exactly', async () => {
    const ada = await suite.join('pointer-throttle', { name: 'Ada', color: '#e11d48' });
    const bob = await suite.join('pointer-throttle', { name: 'Bob', color: '#2563eb' });
    const adaId = await clientIdOf(ada);
    const before = (await sentFrames(ada, MessageType.Awareness)).length;
    const moves = await ada.evaluate(async () => {
      const content = document.querySelector('.ProseMirror');
      if (content === null) throw new Error('no editor');
      const rect = content.getBoundingClientRect();
      const startedAt = performance.now();
      for (let i = 0; i < 200; i++) {
        content.dispatchEvent(new PointerEvent('pointermove', { bubbles: true, clientX: rect.left + 10 + i * 2, clientY: rect.top + 20 + i }));
        await new Promise((resolve) => setTimeout(resolve, 4));
      }
      return { startedAt, endedAt: performance.now(), last: { x: 10 + 199 * 2, y: 20 + 199 } };
    });
    await waitForPointerAt(bob, adaId, moves.last, 0);

    const frames = (await sentFrames(ada, MessageType.Awareness)).slice(before);
    const times = frames.map((frame) => frame.at);
    const mostInOneSecond = Math.max(...times.map((from) => times.filter((at) => at >= from && at < from + 1000).length));
    expect(mostInOneSecond).toBeLessThanOrEqual(31);
    // Not vacuous: the moves did go out, at the throttle's pace rather than not at all.
    expect(frames.length).toBeGreaterThanOrEqual(Math.floor((moves.endedAt - moves.startedAt) / 100));
  });

  it("removes A's caret and pointer from B's editor within a second of A closing the tab", async () => {
    const ada = await suite.join('tab-close', { name: 'Ada', color: '#e11d48' });
    const bob = await suite.join('tab-close', { name: 'Bob', color: '#2563eb' });
    await ada.click('.ProseMirror');
    await ada.keyboard.type('Ada leaves soon');
    const point = await contentPoint(ada, 120, 60);
    await ada.mouse.move(point.x, point.y);
    await bob.locator('.tandem-caret').waitFor();
    await bob.locator('.tandem-pointer').waitFor();

    await ada.close();
    await bob.waitForFunction(() => document.querySelector('.tandem-caret, .tandem-pointer') === null, undefined, { timeout: 1000 });
  });

  it("shows a stock CollaborationCaret page's caret in Tandem and Tandem's caret on the stock page", async () => {
    const stock = await suite.newPage();
    await stock.goto(fixtureUrl(suite.server.httpUrl, 'stock', { doc: 'interop', name: 'Stocky', color: '#16a34a' }));
    await stock.waitForFunction(() => window.stock?.provider.synced === true);
    await stock.click('.ProseMirror');
    await stock.keyboard.type('Typed on a stock page. ');

    const ours = await suite.join('interop', { name: 'Tandy', color: '#7c3aed' });
    await ours.waitForFunction(() => window.tandem?.editor.getText().includes('Typed on a stock page.'));
    await ours.click('.ProseMirror');
    await ours.keyboard.press('End');
    await ours.keyboard.type('And on a Tandem page.');

    const remoteInOurs = ours.locator('.tandem-caret .tandem-cursor-label');
    await waitFor(async () => (await remoteInOurs.allTextContents()).includes('Stocky'), { message: 'the stock caret in Tandem' });
    expect(
      await ours
        .locator('.tandem-caret')
        .first()
        .evaluate((element) => getComputedStyle(element).backgroundColor),
    ).toBe('rgb(22, 163, 74)');

    const remoteInStock = stock.locator('.collaboration-carets__caret .collaboration-carets__label');
    await waitFor(async () => (await remoteInStock.allTextContents()).includes('Tandy'), { message: 'the Tandem caret on the stock page' });
    expect(await remoteInStock.first().evaluate((element) => getComputedStyle(element).backgroundColor)).toBe('rgb(124, 58, 237)');
  });
});
