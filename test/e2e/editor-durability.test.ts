/**
 * What survives and what the status claims, in real Chromium: offline edits kept in IndexedDB
 * across a reload and merged when the server returns, and "Saved" shown only after storage wrote
 * (issue 3, tests 5 and 7). The pages come from one Tandem server; the document lives on another,
 * which the tests stop and start.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createMemoryStore } from '../../server/storage/memory-store.js';
import { openLevelDbStore } from '../../server/storage/leveldb-store.js';
import { offlineDatabaseName } from '../../client/session/offline.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { BROWSER_TEST_TIMEOUT_MS, logStatus, startBrowserSuite, statusOf, waitForStatus, type BrowserSuite } from './editor-page.js';
import { gatedStore } from './gated-store.js';

const ADA = { name: 'Ada', color: '#e11d48' };
const BOB = { name: 'Bob', color: '#2563eb' };

describe('durability and the truthful status in the browser', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let suite: BrowserSuite;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    suite = await startBrowserSuite({ store: createMemoryStore() });
  });
  afterEach(async () => {
    await suite.endTest();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(() => suite?.close());

  it('keeps offline edits across a reload and delivers them to peers and storage when the server returns', async () => {
    const dataDir = await makeTempDir('tandem-offline-');
    cleanups.push(() => removeTempDir(dataDir));
    const first: TestServer = await startTestServer({ dataDir });
    const params = { server: first.wsUrl };
    const ada = await suite.join('offline-doc', ADA, params);
    const bob = await suite.join('offline-doc', BOB, params);

    await first.close();
    await waitForStatus(ada, 'offline');
    await ada.click('.ProseMirror');
    await ada.keyboard.type('Written offline.');
    await waitFor(async () => (await statusOf(ada)).label === 'Offline · unsaved changes', { message: 'offline changes reported' });
    expect(await ada.evaluate(() => window.tandem?.session.status)).toEqual({ kind: 'offline', localChanges: 'Written offline.'.length });
    // A read transaction on the updates store runs after every earlier write to it has committed.
    const database = offlineDatabaseName(first.wsUrl, 'offline-doc');
    await ada.evaluate(
      (name) =>
        new Promise<void>((resolve, reject) => {
          const request = indexedDB.open(name);
          request.onsuccess = () => {
            const read = request.result.transaction('updates', 'readonly').objectStore('updates').count();
            read.onsuccess = () => {
              request.result.close();
              resolve();
            };
            read.onerror = () => reject(read.error);
          };
          request.onerror = () => reject(request.error);
        }),
      database,
    );

    await ada.reload();
    await ada.waitForFunction(() => window.tandem?.editor.getText() === 'Written offline.');
    await waitForStatus(ada, 'offline');
    expect((await statusOf(ada)).label).toBe('Offline · unsaved changes');

    const second = await startTestServer({ dataDir, port: first.port });
    let secondOpen = true;
    cleanups.push(async () => {
      if (secondOpen) await second.close();
    });
    await bob.waitForFunction(() => window.tandem?.editor.getText() === 'Written offline.', undefined, { timeout: 20_000 });
    await waitForStatus(ada, 'live-saved', 20_000);

    await second.close();
    secondOpen = false;
    const store = await openLevelDbStore(dataDir);
    try {
      const stored = new Y.Doc();
      Y.applyUpdate(stored, (await store.load('offline-doc')) ?? new Uint8Array());
      expect(stored.getXmlFragment('default').toString()).toContain('Written offline.');
      stored.destroy();
    } finally {
      await store.close();
    }
  });

  it('says Saved only after the server wrote the change, and never while the server is stopped', async () => {
    const gated = gatedStore();
    cleanups.push(() => gated.store.close());
    const server = await startTestServer({ store: gated.store });
    let serverOpen = true;
    cleanups.push(async () => {
      if (serverOpen) await server.close();
    });
    const ada = await suite.join('saved-doc', ADA, { server: server.wsUrl });
    await waitForStatus(ada, 'live-saved');

    gated.hold();
    await ada.click('.ProseMirror');
    await ada.keyboard.type('x');
    await waitFor(() => gated.waiting > 0, { message: 'the write to be held' });
    await waitForStatus(ada, 'live-saving');
    await logStatus(ada);
    expect(await statusOf(ada)).toEqual({ state: 'live-saving', label: 'Saving…' });

    gated.release();
    await waitForStatus(ada, 'live-saved');
    expect((await statusOf(ada)).label).toBe('Saved');
    const log = await ada.evaluate(() => window.statusLog ?? []);
    expect(log.filter((entry) => entry.startsWith('live-saved'))).toEqual(['live-saved: Saved']);
    const stored = new Y.Doc();
    Y.applyUpdate(stored, (await gated.store.load('saved-doc')) ?? new Uint8Array());
    expect(stored.getXmlFragment('default').toString()).toContain('x');
    stored.destroy();

    await server.close();
    serverOpen = false;
    let attempts = 0;
    ada.on('websocket', () => attempts++);
    await waitForStatus(ada, 'offline');
    await logStatus(ada);
    await ada.keyboard.type('y');
    await waitFor(async () => (await statusOf(ada)).label === 'Offline · unsaved changes', { message: 'the offline change reported' });
    expect(await ada.evaluate(() => window.tandem?.session.status)).toEqual({ kind: 'offline', localChanges: 1 });
    await waitFor(() => attempts >= 2, { message: 'two reconnect attempts', timeout: 15_000 });
    const offlineLog = await ada.evaluate(() => window.statusLog ?? []);
    expect(offlineLog.some((entry) => entry.startsWith('live'))).toBe(false);
  });

  it('warns before the tab closes while a change is unsaved, and not once it is saved', async () => {
    const gated = gatedStore();
    cleanups.push(() => gated.store.close());
    const server = await startTestServer({ store: gated.store });
    cleanups.push(() => server.close());
    const ada = await suite.join('unload-warning', ADA, { server: server.wsUrl });
    await waitForStatus(ada, 'live-saved');
    const dialogs: string[] = [];
    ada.on('dialog', (dialog) => {
      dialogs.push(dialog.type());
      void dialog.dismiss();
    });

    gated.hold();
    await ada.click('.ProseMirror');
    await ada.keyboard.type('unsaved');
    await waitForStatus(ada, 'live-saving');
    await ada.close({ runBeforeUnload: true });
    await waitFor(() => dialogs.length > 0, { message: 'the unload warning' });
    expect(dialogs).toEqual(['beforeunload']);
    expect(ada.isClosed()).toBe(false);

    gated.release();
    await waitForStatus(ada, 'live-saved');
    const closed = new Promise<void>((resolve) => ada.once('close', () => resolve()));
    await ada.close({ runBeforeUnload: true });
    await closed;
    expect(dialogs).toEqual(['beforeunload']);
  });
});
