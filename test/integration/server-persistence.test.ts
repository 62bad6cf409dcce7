/**
 * Issue 2, test 3: edits survive a graceful restart, and everything another client had received
 * survives a SIGKILL of the server process.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ClientPool } from '../helpers/clients.js';
import { spawnServer, startTestServer, type ChildServer, type TestServer } from '../helpers/server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

describe('persistence', () => {
  const pool = new ClientPool();
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    pool.destroyAll();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('edits survive a graceful restart and the clients carry on afterwards', async () => {
    const server: TestServer = await startTestServer({ syncWrites: true });
    cleanups.push(() => server.close());
    const a = await pool.connectSynced(server.wsUrl, 'doc');
    const b = await pool.connectSynced(server.wsUrl, 'doc');
    a.doc.getText('text').insert(0, 'one ');
    b.doc.getXmlFragment('default').insert(0, [new Y.XmlText('xml')]);
    await waitFor(() => b.doc.getText('text').toString() === 'one ' && a.doc.getXmlFragment('default').length === 1, {
      message: 'edits to cross',
    });
    await server.restart();

    const fresh = await pool.connectSynced(server.wsUrl, 'doc');
    expect(fresh.doc.getText('text').toString()).toBe('one ');
    expect(fresh.doc.getXmlFragment('default').toString()).toBe('xml');
    await waitFor(() => a.provider.synced && a.provider.wsconnected, { message: 'old client to reconnect' });
    a.doc.getText('text').insert(4, 'two');
    await waitFor(() => fresh.doc.getText('text').toString() === 'one two', { message: 'edit after restart' });
  });

  it('everything another client received before a SIGKILL of the server is there after it', async () => {
    const dataDir = await makeTempDir();
    cleanups.push(() => removeTempDir(dataDir));
    let child: ChildServer = await spawnServer(dataDir);
    cleanups.push(async () => {
      child.process.kill('SIGKILL');
      await child.exited;
    });
    const writer = await pool.connectSynced(child.wsUrl, 'doc');
    const observer = await pool.connectSynced(child.wsUrl, 'doc');
    const text = writer.doc.getText('text');
    for (let i = 0; i < 200; i++) text.insert(text.length, `w${i} `);
    await waitFor(() => observer.doc.getText('text').length === text.length, { message: 'observer to catch up' });
    // More edits in flight while the process dies: those may or may not make it, the above must.
    for (let i = 0; i < 50; i++) text.insert(text.length, `x${i} `);
    const seen = observer.doc.getText('text').toString();
    child.process.kill('SIGKILL');
    await child.exited;

    child = await spawnServer(dataDir, child.port);
    const fresh = await pool.connectSynced(child.wsUrl, 'doc');
    expect(fresh.doc.getText('text').toString().startsWith(seen)).toBe(true);
    // The writer reconnects and resyncs what the server lost, so everyone converges again.
    await waitFor(() => fresh.doc.getText('text').toString() === text.toString(), { message: 'writer to resync' });
  });
});
