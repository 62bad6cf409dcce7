/**
 * `documents.open`: a live document in server code. Its edits reach connected stock clients and
 * storage like any client's, other clients' edits reach it live, a closed handle lets the room
 * unload, and the server's shutdown closes handles still open with their edits durable.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ClientPool } from '../helpers/clients.js';
import { readMetric, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';

const pool = new ClientPool();
const servers: TestServer[] = [];

afterEach(async () => {
  pool.destroyAll();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(): Promise<TestServer> {
  const server = await startTestServer({ unloadGraceMs: 0 });
  servers.push(server);
  return server;
}

describe('documents.open', () => {
  it('edits a document that clients have open, and sees their edits live', async () => {
    const server = await serve();
    const client = await pool.connectSynced(server.wsUrl, 'notes');
    client.doc.getText('t').insert(0, 'from the client');
    const handle = await server.server.documents.open('notes');
    await waitFor(() => handle.doc.getText('t').toString() === 'from the client', { message: 'the handle to hold the client edit' });
    await handle.transact((doc) => doc.getText('t').insert(0, 'server: '));
    await waitFor(() => client.doc.getText('t').toString() === 'server: from the client', { message: 'the client to see the server edit' });
    client.doc.getText('t').insert(client.doc.getText('t').length, '!');
    await waitFor(() => handle.doc.getText('t').toString() === 'server: from the client!', { message: 'the handle to see a later client edit' });
    await handle.close();
    expect(handle.closed).toBe(true);
    await expect(handle.transact((doc) => doc.getText('t').insert(0, 'late'))).rejects.toThrow('closed');
  });

  it('stores what it changed before transact resolves, and lets the room unload once closed', async () => {
    const server = await serve();
    const handle = await server.server.documents.open('created-by-server');
    await handle.transact((doc) => doc.getText('t').insert(0, 'seeded in process'));
    const stored = await fetch(`${server.httpUrl}/api/documents/created-by-server?info=1`);
    expect(stored.status).toBe(200);
    expect(await readMetric(server.httpUrl, 'tandem_rooms_loaded')).toBe(1);
    await handle.close();
    await waitFor(async () => (await readMetric(server.httpUrl, 'tandem_rooms_loaded')) === 0, { message: 'the room to unload' });
    await server.restart();
    const client = await pool.connectSynced(server.wsUrl, 'created-by-server');
    expect(client.doc.getText('t').toString()).toBe('seeded in process');
  });

  it('the server closing closes open handles with their edits durable', async () => {
    const server = await serve();
    const handle = await server.server.documents.open('left-open');
    void handle.transact((doc) => doc.getText('t').insert(0, 'written at shutdown'));
    await server.restart();
    expect(handle.closed).toBe(true);
    const client = await pool.connectSynced(server.wsUrl, 'left-open');
    expect(client.doc.getText('t').toString()).toBe('written at shutdown');
  });

  it('refuses an invalid document name', async () => {
    const server = await serve();
    await expect(server.server.documents.open('')).rejects.toThrow('not a valid document name');
  });
});
