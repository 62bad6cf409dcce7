/**
 * Browser test scaffolding: built pages, a Tandem server serving them, Chromium, one browser
 * context per simulated user, and readers for the editor fixture page (fixtures/editor.tsx).
 */
import { expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Point } from '../../client/presence/interpolator.js';
import type { TandemServerOptions } from '../../server/index.js';
import { buildPages, collectPageErrors, fixtureUrl, launchBrowser, newUser } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { removeTempDir } from '../helpers/temp-dir.js';

declare global {
  interface Window {
    /** Every binary frame the page sent on any WebSocket: first byte (message type) and time. */
    sentFrames?: { type: number; at: number }[];
    /** Every state the status badge showed since {@link logStatus}, as `state: label`. */
    statusLog?: string[];
  }
}

/**
 * Per-test deadline for browser tests: several Chromium contexts typing on a shared two-core
 * machine can take longer than the suite's default.
 */
export const BROWSER_TEST_TIMEOUT_MS = 90_000;

/** A simulated user's identity. */
export interface EditorUser {
  name: string;
  color: string;
}

/** Pages, server and browser shared by the tests of one file. */
export interface BrowserSuite {
  readonly pagesDir: string;
  readonly server: TestServer;
  readonly browser: Browser;
  /** A new user (browser context) with a page, not yet navigated. */
  newPage(): Promise<Page>;
  /** A new user on the editor fixture for `doc`, live and synced. */
  join(doc: string, user: EditorUser, params?: Record<string, string>): Promise<Page>;
  /** Closes this test's users and checks their pages threw nothing. Call in afterEach. */
  endTest(): Promise<void>;
  /** Closes everything. Call in afterAll. */
  close(): Promise<void>;
}

/** Builds the pages, starts a server serving them (with `options`) and Chromium. */
export async function startBrowserSuite(options: TandemServerOptions = {}): Promise<BrowserSuite> {
  const pagesDir = await buildPages();
  const server = await startTestServer({ staticDir: pagesDir, ...options });
  const browser = await launchBrowser();
  let contexts: BrowserContext[] = [];
  let errors: string[][] = [];
  const newPage = async (): Promise<Page> => {
    const context = await newUser(browser);
    contexts.push(context);
    const page = await context.newPage();
    errors.push(collectPageErrors(page));
    await recordSentFrames(page);
    return page;
  };
  return {
    pagesDir,
    server,
    browser,
    newPage,
    async join(doc, user, params = {}) {
      const page = await newPage();
      await openEditor(page, fixtureUrl(server.httpUrl, 'editor', { doc, name: user.name, color: user.color, ...params }));
      return page;
    },
    async endTest() {
      for (const context of contexts) await context.close();
      const seen = errors.flat();
      contexts = [];
      errors = [];
      expect(seen).toEqual([]);
    },
    async close() {
      await browser.close();
      await server.close();
      await removeTempDir(pagesDir);
    },
  };
}

/**
 * Records, from the next navigation on, every binary frame the page sends: the frames on the
 * wire, counted where they leave the page.
 */
async function recordSentFrames(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const frames: { type: number; at: number }[] = [];
    window.sentFrames = frames;
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (this: WebSocket, data: string | ArrayBufferLike | Blob | ArrayBufferView) {
      if (data instanceof Uint8Array) frames.push({ type: data[0] ?? -1, at: performance.now() });
      send.call(this, data);
    };
  });
}

/** The frames of message `type` the page has sent so far (see {@link recordSentFrames}). */
export function sentFrames(page: Page, type: number): Promise<{ type: number; at: number }[]> {
  return page.evaluate((wanted) => (window.sentFrames ?? []).filter((frame) => frame.type === wanted), type);
}

/** The client id of the page's session. */
export function clientIdOf(page: Page): Promise<number> {
  return page.evaluate(() => window.tandem?.session.doc.clientID ?? -1);
}

/** The pointer that `viewer` has received from client `clientId`, or null. */
export function receivedPointer(viewer: Page, clientId: number): Promise<Point | null> {
  return viewer.evaluate((id) => {
    const pointer = window.tandem?.session.awareness.getStates().get(id)?.pointer as { x: number; y: number } | null | undefined;
    return pointer ?? null;
  }, clientId);
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

/** The status badge's state word (`live-saved`, `offline`, ...) and its text. */
export function statusOf(page: Page): Promise<{ state: string; label: string }> {
  return page.evaluate(() => {
    const badge = document.querySelector<HTMLElement>('.tandem-status');
    return { state: badge?.dataset.state ?? '', label: badge?.querySelector('.tandem-status__label')?.textContent ?? '' };
  });
}

/** Waits until the status badge shows `state`. */
export async function waitForStatus(page: Page, state: string, timeout = 10_000): Promise<void> {
  await page.waitForFunction((wanted) => document.querySelector<HTMLElement>('.tandem-status')?.dataset.state === wanted, state, { timeout });
}

/** Records every state the status badge shows from now on into `window.statusLog`. */
export async function logStatus(page: Page): Promise<void> {
  await page.evaluate(() => {
    const badge = document.querySelector<HTMLElement>('.tandem-status');
    if (badge === null) throw new Error('no status badge');
    const log: string[] = [];
    window.statusLog = log;
    const record = (): void => {
      log.push(`${badge.dataset.state}: ${badge.querySelector('.tandem-status__label')?.textContent}`);
    };
    record();
    new MutationObserver(record).observe(badge, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

/** A new user on a page of the demo app at `path`, whose remembered identity is `user`. */
export async function openDemoApp(suite: BrowserSuite, user: EditorUser, path: string): Promise<Page> {
  const page = await suite.newPage();
  await page.addInitScript((identity) => {
    if (localStorage.getItem('tandem.identity') === null) localStorage.setItem('tandem.identity', JSON.stringify(identity));
  }, user);
  await page.goto(`${suite.server.httpUrl}${path}`);
  return page;
}

/** The state the page's status badge shows, e.g. `live-saved`. */
export function statusState(page: Page): Promise<string | undefined> {
  return page.evaluate(() => document.querySelector<HTMLElement>('.tandem-status')?.dataset.state);
}
