/**
 * What an open connection keeps in memory: not its upgrade request. A request holds its headers,
 * raw header strings and parser state (1.4 KB of heap per idle connection in a heap snapshot of
 * 1,000 of them), and the listeners and callbacks that live as long as a connection used to keep it.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, expect, it } from 'vitest';
import { createTandemServer } from '../../server/index.js';
import { ClientPool } from '../helpers/clients.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const pool = new ClientPool();
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  pool.destroyAll();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('lets the upgrade request of an open connection be collected, and the connection keeps working', async () => {
  const app = createServer((_, response) => response.end());
  const requests: WeakRef<IncomingMessage>[] = [];
  // Registered before Tandem's listener: it sees every upgrade request and holds it only weakly.
  app.on('upgrade', (request: IncomingMessage) => requests.push(new WeakRef(request)));
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => app.close(() => resolve())));
  const dataDir = await makeTempDir('tandem-retention-');
  const tandem = await createTandemServer({ logLevel: 'silent', dataDir, server: app, path: '/collab' });
  cleanups.push(async () => {
    await tandem.close();
    await removeTempDir(dataDir);
  });
  const port = (app.address() as AddressInfo).port;

  const writer = await pool.connectSynced(`ws://127.0.0.1:${port}/collab`, 'kept');
  const reader = await pool.connectSynced(`ws://127.0.0.1:${port}/collab`, 'kept');
  expect(requests).toHaveLength(2);
  await waitFor(
    async () => {
      // A WeakRef holds its target until the current job ends: collect in a later one.
      await new Promise((resolve) => setImmediate(resolve));
      collectGarbage();
      return requests.every((request) => request.deref() === undefined);
    },
    { message: 'the upgrade requests to be collected while their connections are open' },
  );

  writer.doc.getText('t').insert(0, 'still connected');
  await waitFor(() => reader.doc.getText('t').toString() === 'still connected', { message: 'the reader to receive the edit' });
});
