/**
 * Issue 17, the writer's side, in real Chromium: a status line that is never wrong (connecting,
 * live, offline within seconds with unsaved changes, saved, access denied, read-only), token
 * rotation without a flash of "Offline", the demo app reloading offline from its service worker
 * and IndexedDB, and an app bar that works from 360 px. Screenshots go to test-artifacts/.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { CloseCode } from '../../shared/close-codes.js';
import { TEST_SECRET, tokenFor } from '../helpers/attack.js';
import { fixtureUrl } from '../helpers/browser.js';
import { ClientPool } from '../helpers/clients.js';
import { readMetric, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  BROWSER_TEST_TIMEOUT_MS,
  editorText,
  logStatus,
  openDemoApp,
  openEditor,
  startBrowserSuite,
  statusOf,
  waitForStatus,
  type BrowserSuite,
  type EditorUser,
} from './editor-page.js';

declare global {
  interface Window {
    fewestPeers?: number;
  }
}

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const ADA = { name: 'Ada Lovelace', color: '#e11d48' };
const BOB = { name: 'Bob Odenkirk', color: '#2563eb' };

/** The text of the demo app's editor (the app exposes no editor handle; caret labels live in the overlay, not here). */
const appText = (page: Page): Promise<string> => page.locator('.ProseMirror').evaluate((element) => element.textContent ?? '');

describe('the writer sees the truth about their document', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let suite: BrowserSuite;
  const cleanups: (() => Promise<void>)[] = [];
  const pool = new ClientPool();
  beforeAll(async () => {
    suite = await startBrowserSuite();
  });
  afterEach(async () => {
    await suite.endTest();
    pool.destroyAll();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(() => suite?.close());

  async function authServer(): Promise<TestServer> {
    const server = await startTestServer({ auth: { kind: 'secret', secret: TEST_SECRET } });
    cleanups.push(() => server.close());
    return server;
  }

  it('says Connecting… until the server answers, and Offline within seconds when the socket it got stays silent', async () => {
    const page = await suite.newPage();
    // The socket opens and then hears nothing, like a server or proxy that accepted and hung.
    await page.routeWebSocket(/.*/, () => undefined);
    await page.goto(fixtureUrl(suite.server.httpUrl, 'editor', { doc: 'never-answered', name: ADA.name, color: ADA.color }));
    await waitForStatus(page, 'connecting');
    expect((await statusOf(page)).label).toBe('Connecting…');
    // y-websocket alone gives up after 30 s of silence.
    await waitForStatus(page, 'offline', 12_000);
    expect((await statusOf(page)).label).toMatch(/^Offline/);
  });

  it('says Offline within 2 s of the browser going offline mid-typing, keeps every keystroke, and saves them when back', async () => {
    const ada = await suite.join('offline-typing', ADA);
    const bob = await suite.join('offline-typing', BOB);
    await waitForStatus(ada, 'live-saved');
    expect((await statusOf(ada)).label).toBe('Saved');
    await ada.click('.ProseMirror');
    await ada.keyboard.type('Online part. ', { delay: 10 });
    const typing = ada.keyboard.type('typed through the outage', { delay: 40 });
    await ada.context().setOffline(true);
    const wentOffline = Date.now();
    await waitForStatus(ada, 'offline', 2_000);
    expect(Date.now() - wentOffline).toBeLessThan(2_000);
    await typing;
    expect(await statusOf(ada)).toEqual({ state: 'offline', label: 'Offline · unsaved changes' });
    expect(await editorText(ada)).toBe('Online part. typed through the outage');

    await ada.context().setOffline(false);
    await waitForStatus(ada, 'live-saved', 15_000);
    await bob.waitForFunction(() => window.tandem?.editor.getText() === 'Online part. typed through the outage');
  });

  it('renews the token every few seconds while the writer types, never showing Offline and losing nothing', async () => {
    const server = await authServer();
    const page = await suite.newPage();
    let minted = 0;
    await page.exposeFunction('mintToken', () => {
      minted++;
      return tokenFor(['rotating-doc:write'], { name: 'Token Name', color: '#7c3aed', ttlSeconds: 3 });
    });
    await openEditor(page, fixtureUrl(suite.server.httpUrl, 'editor', { doc: 'rotating-doc', name: 'Typed Name', color: ADA.color, server: server.wsUrl }));
    const watcher = await suite.join('rotating-doc', BOB, { server: server.wsUrl, token: await tokenFor(['rotating-doc:write'], { name: BOB.name }) });
    await page.waitForFunction(() => document.querySelectorAll('.tandem-presence__peer').length === 2);
    await waitForStatus(page, 'live-saved');
    await logStatus(page);
    // The fewest people the writer's presence list showed from here on.
    await page.evaluate(() => {
      const list = document.querySelector('.tandem-presence');
      if (list === null) throw new Error('no presence list');
      window.fewestPeers = list.children.length;
      new MutationObserver(() => {
        window.fewestPeers = Math.min(window.fewestPeers ?? Infinity, list.querySelectorAll('.tandem-presence__peer').length);
      }).observe(list, { childList: true, subtree: true });
    });

    // Three token lifetimes of typing: at least two renewals in the middle of it.
    await page.click('.ProseMirror');
    let typed = '';
    const until = Date.now() + 9_000;
    for (let word = 0; Date.now() < until; word++) {
      const next = `w${word} `;
      await page.keyboard.type(next, { delay: 25 });
      typed += next;
    }
    await waitForStatus(page, 'live-saved');

    expect(minted).toBeGreaterThanOrEqual(3);
    const log = await page.evaluate(() => window.statusLog ?? []);
    expect(log.filter((entry) => !entry.startsWith('live'))).toEqual([]);
    expect(await readMetric(server.httpUrl, 'tandem_connection_closes_total', { code: String(CloseCode.TokenExpired) })).toBe(0);
    expect(await editorText(page)).toBe(typed);
    expect(await page.evaluate(() => window.fewestPeers)).toBe(2);
    await watcher.waitForFunction((text) => window.tandem?.editor.getText() === text, typed);
    const reader = await pool.connectSynced(server.wsUrl, 'rotating-doc', { params: { token: await tokenFor(['rotating-doc:read']) } });
    await waitFor(() => reader.doc.getXmlFragment('default').toString().includes(typed.trimEnd()), { message: 'every word on the server' });

    // The own avatar shows who the token says, as everyone else sees it, not the typed name.
    const self = page.locator('.tandem-presence__peer[data-self="true"]');
    expect(await self.getAttribute('title')).toBe('Token Name (you)');
    expect(await self.locator('.tandem-presence__avatar').textContent()).toBe('TN');
  });

  it('says Access denied for a token that does not grant the document, and Read-only for one that only reads', async () => {
    const server = await authServer();
    const denied = await suite.newPage();
    const elsewhere = await tokenFor(['other-doc:write']);
    await denied.goto(
      fixtureUrl(suite.server.httpUrl, 'editor', { doc: 'guarded-doc', name: ADA.name, color: ADA.color, server: server.wsUrl, token: elsewhere }),
    );
    await waitForStatus(denied, 'denied');
    expect((await statusOf(denied)).label).toBe('Access denied');

    const reader = await suite.newPage();
    const readOnly = await tokenFor(['guarded-doc:read']);
    await openEditor(
      reader,
      fixtureUrl(suite.server.httpUrl, 'editor', { doc: 'guarded-doc', name: BOB.name, color: BOB.color, server: server.wsUrl, token: readOnly }),
    );
    await waitForStatus(reader, 'read-only');
    expect((await statusOf(reader)).label).toBe('Read-only');
    expect(await reader.evaluate(() => window.tandem?.editor.isEditable)).toBe(false);
  });

  it('serves the service worker from the root as JavaScript that is always revalidated', async () => {
    for (const path of ['/sw.js', '/registerSW.js']) {
      const response = await fetch(`${suite.server.httpUrl}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toBe('text/javascript; charset=utf-8');
      expect(response.headers.get('cache-control'), path).toBe('no-cache');
    }
    const page = await openDemoApp(suite, ADA, '/d/worker-scope');
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    expect(scope).toBe(`${suite.server.httpUrl}/`);
  });

  it('reloads a document opened before while offline, opens it in a new tab too, and merges what was typed offline', async () => {
    const ada = await openDemoApp(suite, ADA, '/d/offline-reload');
    await waitForStatus(ada, 'live-saved');
    await ada.click('.ProseMirror');
    await ada.keyboard.type('Before the outage.', { delay: 10 });
    await waitForStatus(ada, 'live-saved');
    await ada.waitForFunction(() => navigator.serviceWorker.controller !== null);

    await ada.context().setOffline(true);
    await ada.reload();
    await ada.locator('.ProseMirror').waitFor();
    await waitFor(async () => (await appText(ada)) === 'Before the outage.', { message: 'the text from IndexedDB' });
    await waitForStatus(ada, 'offline');
    // Everything restored was saved before the outage: nothing to warn about.
    expect(await statusOf(ada)).toEqual({ state: 'offline', label: 'Offline' });
    await ada.click('.ProseMirror');
    await ada.keyboard.press('End');
    await ada.keyboard.type(' Written offline.', { delay: 10 });
    expect(await statusOf(ada)).toEqual({ state: 'offline', label: 'Offline · unsaved changes' });

    const tab = await ada.context().newPage();
    await tab.goto(`${suite.server.httpUrl}/d/offline-reload`);
    await tab.locator('.ProseMirror').waitFor();
    await waitFor(async () => (await appText(tab)).startsWith('Before the outage.'), { message: 'the text in a new tab' });
    await waitForStatus(tab, 'offline');

    // Never opened on this device: say so instead of an empty editor that looks saved.
    const stranger = await ada.context().newPage();
    await stranger.goto(`${suite.server.httpUrl}/d/never-opened-here`);
    await stranger.locator('.document-page__unavailable').waitFor();
    expect(await stranger.locator('.ProseMirror').count()).toBe(0);
    await waitForStatus(stranger, 'offline');

    await ada.context().setOffline(false);
    await waitForStatus(ada, 'live-saved', 20_000);
    const bob = await openDemoApp(suite, BOB, '/d/offline-reload');
    await waitFor(async () => (await appText(bob)) === 'Before the outage. Written offline.', { message: 'the offline edit at a peer' });
    await stranger.locator('.ProseMirror').waitFor({ timeout: 20_000 });
  });

  it('keeps the title and the people visible from 360 px, shows the own avatar once, and covers no initials', async () => {
    const path = '/d/quarterly-planning-for-the-whole-team';
    const others: EditorUser[] = [BOB, { name: 'Bo Olsen', color: '#16a34a' }, { name: 'Cy Dune', color: '#ca8a04' }];
    const ada = await openDemoApp(suite, ADA, path);
    for (const user of others) await openDemoApp(suite, user, path);
    await ada.waitForFunction((count) => document.querySelectorAll('.app-bar .tandem-presence__peer').length === count, others.length);
    await mkdir(artifacts, { recursive: true });

    for (const width of [1280, 360]) {
      await ada.setViewportSize({ width, height: 720 });
      await ada.screenshot({ path: `${artifacts}header-${width}.png`, clip: { x: 0, y: 0, width, height: 160 } });
      const layout = await ada.evaluate(() => {
        const box = (element: Element | null) => element?.getBoundingClientRect() ?? null;
        const avatars = [...document.querySelectorAll('.app-bar .tandem-presence__avatar')];
        // How far each avatar reaches over the initials of the one before it.
        const covered = avatars.slice(1).map((avatar, i) => {
          const range = document.createRange();
          range.selectNodeContents(avatars[i] as Element);
          // The ring around each avatar (2 px) is drawn over its neighbour too.
          return range.getBoundingClientRect().right - (avatar.getBoundingClientRect().left - 2);
        });
        const title = box(document.querySelector('.app-bar__title'));
        const list = box(document.querySelector('.app-bar .tandem-presence'));
        const status = box(document.querySelector('.app-bar .tandem-status'));
        return {
          viewport: window.innerWidth,
          scrollWidth: document.documentElement.scrollWidth,
          title: title && { left: title.left, right: title.right, width: title.width },
          list: list && { right: list.right, width: list.width },
          status: status && { right: status.right, width: status.width },
          covered,
          selfAvatars: document.querySelectorAll('.app-bar [data-self]').length,
          selfTitle: document.querySelector('.app-bar [data-self]')?.closest('[title]')?.getAttribute('title'),
        };
      });
      expect(layout.scrollWidth, `${width}: no horizontal scroll`).toBe(layout.viewport);
      expect(layout.title?.width, `${width}: title`).toBeGreaterThanOrEqual(48);
      expect(layout.title?.right, `${width}: title`).toBeLessThanOrEqual(layout.viewport);
      expect(layout.list?.width, `${width}: presence`).toBeGreaterThan(3 * 24);
      expect(layout.list?.right, `${width}: presence`).toBeLessThanOrEqual(layout.viewport);
      expect(layout.status?.right, `${width}: status`).toBeLessThanOrEqual(layout.viewport);
      for (const overlap of layout.covered) expect(overlap, `${width}: initials covered`).toBeLessThanOrEqual(0);
      expect(layout.selfAvatars, `${width}: own avatar`).toBe(1);
      expect(layout.selfTitle).toBe(`${ADA.name} (you)`);
    }
  });
});
