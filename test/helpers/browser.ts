/**
 * Real Chromium for browser tests (playwright-core, the system's Debian Chromium) and the pages
 * under test, built fresh by each test file so a test never runs against a stale build: the demo
 * app at the root of the output, the fixture pages of test/e2e/fixtures under `fixtures/`.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import react from '@vitejs/plugin-react';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { makeTempDir } from './temp-dir.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Chromium flags for a quiet, headless, container-friendly browser. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Where Debian installs Chromium (scripts/ensure-system-deps.sh installs it when missing). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Launches headless Chromium; close it in afterAll. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** A fresh browser context (its own storage, IndexedDB and BroadcastChannel): one simulated user. */
export function newUser(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
}

/** The fixture pages, by name, as built under `fixtures/`. */
export const FIXTURE_PAGES = ['editor', 'stock'] as const;

/**
 * Builds the demo app and the fixture pages into a new temp dir and returns it, ready to be a
 * server's `staticDir`. Takes a second or two.
 */
export async function buildPages(): Promise<string> {
  const outDir = await makeTempDir('tandem-pages-');
  await build({
    configFile: join(repoRoot, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, chunkSizeWarningLimit: 2048 },
  });
  const fixtures = join(repoRoot, 'test/e2e/fixtures');
  await build({
    configFile: false,
    root: fixtures,
    base: '/fixtures/',
    logLevel: 'warn',
    plugins: [react()],
    build: {
      outDir: join(outDir, 'fixtures'),
      emptyOutDir: true,
      chunkSizeWarningLimit: 2048,
      rollupOptions: { input: Object.fromEntries(FIXTURE_PAGES.map((page) => [page, join(fixtures, `${page}.html`)])) },
    },
  });
  return outDir;
}

/** The URL of fixture page `page` on the server at `httpUrl`, with query parameters. */
export function fixtureUrl(httpUrl: string, page: (typeof FIXTURE_PAGES)[number], params: Record<string, string>): string {
  return `${httpUrl}/fixtures/${page}.html?${new URLSearchParams(params).toString()}`;
}

/** Collects uncaught page errors so a test can assert there were none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}
