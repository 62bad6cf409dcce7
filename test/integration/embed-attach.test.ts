/**
 * Embedding the server in an app's own HTTP server: attached under a path, Tandem takes only the
 * upgrades under that path (the app's routes and its other WebSocket endpoints keep working on the
 * same port); `httpHandler` mounts Tandem's HTTP endpoints in Express under any prefix; and
 * `handleUpgrade` serves servers that route upgrades themselves.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { WebSocketServer } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { createTandemServer, type TandemServer } from '../../server/index.js';
import { ClientPool, openRaw, refusedStatus } from '../helpers/clients.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const pool = new ClientPool();
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  pool.destroyAll();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

async function embed(options: Parameters<typeof createTandemServer>[0]): Promise<TandemServer> {
  const dataDir = await makeTempDir('tandem-embed-');
  const tandem = await createTandemServer({ logLevel: 'silent', dataDir, ...options });
  cleanups.push(async () => {
    await tandem.close();
    await removeTempDir(dataDir);
  });
  return tandem;
}

describe('attached to an existing http.Server', () => {
  it('serves documents under its path while the app keeps its routes and its own WebSocket endpoint', async () => {
    const app = createServer((request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end(`app route ${request.url}`);
    });
    // The app's own WebSocket endpoint, on the same server, outside Tandem's path.
    const echo = new WebSocketServer({ noServer: true });
    app.on('upgrade', (request, socket, head) => {
      if (request.url === '/echo') echo.handleUpgrade(request, socket, head, (ws) => ws.on('message', (data) => ws.send(data)));
    });
    cleanups.push(() => echo.close());
    const port = await listen(app);
    const tandem = await embed({ server: app, path: '/collab' });
    expect(tandem.wsUrl).toBe(`ws://127.0.0.1:${port}/collab`);

    const a = await pool.connectSynced(tandem.wsUrl, 'notes');
    const b = await pool.connectSynced(`ws://127.0.0.1:${port}/collab`, 'notes');
    a.doc.getText('t').insert(0, 'shared through the app server');
    await waitFor(() => b.doc.getText('t').toString() === 'shared through the app server', { message: 'b to receive a' });

    expect(await (await fetch(`http://127.0.0.1:${port}/hello`)).text()).toBe('app route /hello');
    const raw = await openRaw(`ws://127.0.0.1:${port}/echo`);
    raw.send('ping');
    await waitFor(() => raw.received.length > 0, { message: 'the app endpoint to echo' });
    expect(Buffer.from(raw.received[0] ?? []).toString()).toBe('ping');
    raw.close();
  });

  it('leaves the app server listening when Tandem closes', async () => {
    const app = createServer((_, response) => response.end('still here'));
    const port = await listen(app);
    const tandem = await embed({ server: app, path: '/collab' });
    const client = await pool.connectSynced(tandem.wsUrl, 'doc');
    await tandem.close();
    await waitFor(() => !client.provider.wsconnected, { message: 'the client to be closed' });
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('still here');
  });
});

describe('httpHandler', () => {
  it('mounts the document API, health and metrics in Express under a prefix', async () => {
    const app = express();
    app.get('/', (_, response) => {
      response.send('express home');
    });
    const server = createServer(app);
    const port = await listen(server);
    const tandem = await embed({ server, path: '/collab' });
    app.use('/collab', tandem.httpHandler);
    app.use((_, response) => {
      response.status(404).send('express 404');
    });

    const put = await fetch(`http://127.0.0.1:${port}/collab/api/documents/plan?format=text`, { method: 'PUT', body: 'the plan' });
    expect(put.status).toBe(201);
    const client = await pool.connectSynced(tandem.wsUrl, 'plan');
    expect(client.doc.getXmlFragment('default').toString()).toContain('the plan');
    expect(await (await fetch(`http://127.0.0.1:${port}/collab/healthz`)).text()).toBe('ok\n');
    expect(await (await fetch(`http://127.0.0.1:${port}/collab/metrics`)).text()).toContain('tandem_connections 1');
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('express home');
    const unknown = await fetch(`http://127.0.0.1:${port}/collab/nothing-here`);
    expect([unknown.status, await unknown.text()]).toEqual([404, 'express 404']);
  });
});

describe('handleUpgrade', () => {
  it('serves the upgrades an app routes to it, and answers 404 to one outside its path', async () => {
    const app = createServer((_, response) => response.end());
    const port = await listen(app);
    const tandem = await embed({ noServer: true, path: '/sync' });
    app.on('upgrade', (request, socket, head) => {
      if (request.url?.startsWith('/sync/') || request.url?.startsWith('/elsewhere/')) tandem.handleUpgrade(request, socket, head);
      else socket.destroy();
    });
    const a = await pool.connectSynced(`ws://127.0.0.1:${port}/sync`, 'routed');
    const b = await pool.connectSynced(`ws://127.0.0.1:${port}/sync`, 'routed');
    a.doc.getText('t').insert(0, 'routed by the app');
    await waitFor(() => b.doc.getText('t').toString() === 'routed by the app', { message: 'b to receive a' });
    expect(await refusedStatus(`ws://127.0.0.1:${port}/elsewhere/routed`)).toBe(404);
  });
});
