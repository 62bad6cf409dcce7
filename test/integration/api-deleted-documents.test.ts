/**
 * A deleted document stays deleted. A stock y-websocket client that held it (one that was
 * offline during the delete, or a y-websocket 1.x or 2.x client, which reconnects after every
 * close, 4410 included) would otherwise write the whole document back on its next connect; the
 * tombstone refuses it with 4410 until its lifetime ends or the document is created again through
 * the HTTP API.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../shared/close-codes.js';
import { ClientPool, type ConnectOptions, type TestClient } from '../helpers/clients.js';
import { readMetric, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';

/** What y-websocket before 3.x does after a close: reconnect, whatever the code. */
const RECONNECT_ALWAYS: ConnectOptions = { shouldReconnect: () => true };

describe('deleted documents', () => {
  const pool = new ClientPool();
  let server: TestServer | null = null;

  afterEach(async () => {
    pool.destroyAll();
    await server?.close();
    server = null;
  });

  /** A stock client that wrote `text` into document `name`, once the server stored it; with every close code it gets. */
  async function writer(name: string, text: string, options: ConnectOptions = {}): Promise<{ client: TestClient; codes: number[] }> {
    const { httpUrl, wsUrl } = server as TestServer;
    const client = await pool.connectSynced(wsUrl, name, options);
    const codes: number[] = [];
    client.provider.on('connection-close', (event: CloseEvent | null) => {
      if (event !== null) codes.push(event.code);
    });
    client.doc.getText('text').insert(client.doc.getText('text').length, text);
    await waitFor(async () => (await fetch(`${httpUrl}/api/documents/${name}?format=text`)).text().then((stored) => stored.includes(text)), {
      message: 'the text stored',
    });
    return { client, codes };
  }

  const remove = (name: string) => fetch(`${(server as TestServer).httpUrl}/api/documents/${name}`, { method: 'DELETE' });
  /** Connections closed with 4410: at the delete, and each refused since. */
  const closed4410 = () => readMetric((server as TestServer).httpUrl, 'tandem_connection_closes_total', { code: String(CloseCode.DocumentDeleted) });

  it('refuses with 4410 a client offline during the delete and one that reconnects after 4410, so neither writes the document back', async () => {
    server = await startTestServer();
    const { httpUrl } = server;
    const offline = await writer('doomed', 'held offline. ');
    offline.client.provider.disconnect();
    const reconnecting = await writer('doomed', 'held by an old client. ', RECONNECT_ALWAYS);
    expect((await remove('doomed')).status).toBe(204);

    offline.client.provider.connect();
    await waitFor(() => offline.codes.includes(CloseCode.DocumentDeleted), { message: 'the offline client refused' });
    // Closed at the delete, then refused on two reconnects.
    await waitFor(() => reconnecting.codes.length >= 3, { message: 'the old client refused twice' });
    expect(reconnecting.codes.every((code) => code === CloseCode.DocumentDeleted)).toBe(true);
    expect(reconnecting.client.doc.getText('text').toString()).toContain('held offline.');
    expect((await fetch(`${httpUrl}/api/documents/doomed?format=text`)).status).toBe(404);
    expect(await (await fetch(`${httpUrl}/api/documents`)).json()).toMatchObject({ documents: [] });
  });

  it('lifts the tombstone when the document is created again through the HTTP API', async () => {
    server = await startTestServer();
    const { httpUrl, wsUrl } = server;
    const stale = await writer('reborn', 'old content');
    stale.client.provider.disconnect();
    expect((await remove('reborn')).status).toBe(204);
    stale.client.provider.connect();
    await waitFor(() => stale.codes.includes(CloseCode.DocumentDeleted), { message: 'the stale client refused' });
    stale.client.destroy();

    const created = await fetch(`${httpUrl}/api/documents/reborn?format=text`, { method: 'PUT', body: 'new content' });
    expect(created.status).toBe(201);
    const reader = await pool.connectSynced(wsUrl, 'reborn');
    expect(reader.doc.getXmlFragment('default').toString()).toContain('new content');
  });

  it('lets the name be used again once the tombstone outlived --deleted-document-ttl-ms', async () => {
    // Long enough that the refusal lands inside the lifetime however slow the machine is.
    server = await startTestServer({ deletedDocumentTtlMs: 2_000 });
    const { httpUrl } = server;
    await writer('brief', 'written back', RECONNECT_ALWAYS);
    const deletedAt = Date.now();
    expect((await remove('brief')).status).toBe(204);
    await waitFor(async () => (await closed4410()) >= 2, { message: 'a reconnect refused' });
    // Past the lifetime the old client is let in, and what it held is stored again.
    await waitFor(async () => (await fetch(`${httpUrl}/api/documents/brief?format=text`)).status === 200, { message: 'the document written back' });
    expect(Date.now() - deletedAt).toBeGreaterThanOrEqual(2_000);
  });
});
