/** Issue 2, test 1: stock y-websocket providers converge through the server. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ClientPool } from '../helpers/clients.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';

describe('convergence', () => {
  let server: TestServer;
  const pool = new ClientPool();

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    pool.destroyAll();
    await server.close();
  });

  it('three stock providers converge on concurrent Y.Text and Y.XmlFragment edits', async () => {
    const clients = await Promise.all([0, 1, 2].map(() => pool.connectSynced(server.wsUrl, 'notes')));
    clients.forEach((client, i) => {
      const text = client.doc.getText('text');
      const fragment = client.doc.getXmlFragment('default');
      for (let k = 0; k < 20; k++) {
        text.insert(Math.floor(text.length / 2), `${i}:${k} `);
        const paragraph = new Y.XmlElement('paragraph');
        paragraph.insert(0, [new Y.XmlText(`client ${i} line ${k}`)]);
        fragment.insert(k % (fragment.length + 1), [paragraph]);
      }
    });
    const expectedLength = clients.reduce((sum, client) => sum + client.doc.getText('text').length, 0);
    await waitFor(() => clients.every((client) => client.doc.getText('text').length === expectedLength && client.doc.getXmlFragment('default').length === 60), {
      message: 'every client to hold every edit',
    });
    const [first, ...rest] = clients.map((client) => ({
      text: client.doc.getText('text').toString(),
      xml: client.doc.getXmlFragment('default').toString(),
    }));
    for (const other of rest) expect(other).toEqual(first);
  });

  it('a client that joins later receives the whole document', async () => {
    const writer = await pool.connectSynced(server.wsUrl, 'late');
    writer.doc.getText('text').insert(0, 'written before the reader came');
    const reader = await pool.connectSynced(server.wsUrl, 'late');
    await waitFor(() => reader.doc.getText('text').toString() === 'written before the reader came', {
      message: 'reader to receive the existing text',
    });
  });
});
