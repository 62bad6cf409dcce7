/**
 * Issue 2, test 8: seeded convergence. Several stock clients make hundreds of random edits to
 * Y.Text and Y.XmlFragment while some disconnect and reconnect and the server restarts; at the end
 * every replica equals every other and equals what storage holds. A failure prints its seed
 * (replay with TANDEM_SEED=<seed>).
 */
import * as prng from 'lib0/prng';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openLevelDbStore } from '../../server/storage/leveldb-store.js';
import { ClientPool, type TestClient } from '../helpers/clients.js';
import { withSeed, type Rng } from '../helpers/seed.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const OPERATIONS = 400;
const RESTARTS = 2;

interface Snapshot {
  text: string;
  xml: string;
}

function snapshot(doc: Y.Doc): Snapshot {
  return { text: doc.getText('text').toString(), xml: doc.getXmlFragment('default').toString() };
}

/** One random edit to `doc`. */
function edit(doc: Y.Doc, rng: Rng): void {
  const text = doc.getText('text');
  const fragment = doc.getXmlFragment('default');
  const roll = prng.real53(rng);
  if (roll < 0.5) {
    text.insert(prng.uint32(rng, 0, text.length), prng.word(rng, 1, 6));
  } else if (roll < 0.7 && text.length > 0) {
    const at = prng.uint32(rng, 0, text.length - 1);
    text.delete(at, Math.min(prng.uint32(rng, 1, 4), text.length - at));
  } else if (roll < 0.9 || fragment.length === 0) {
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [new Y.XmlText(prng.word(rng, 1, 8))]);
    fragment.insert(prng.uint32(rng, 0, fragment.length), [paragraph]);
  } else {
    fragment.delete(prng.uint32(rng, 0, fragment.length - 1), 1);
  }
}

describe('seeded convergence', () => {
  const pool = new ClientPool();
  let server: TestServer | null = null;
  let dataDir: string | null = null;

  afterEach(async () => {
    pool.destroyAll();
    await server?.close();
    if (dataDir !== null) await removeTempDir(dataDir);
    server = null;
    dataDir = null;
  });

  it('clients converge with each other and with storage through disconnects and server restarts', async () => {
    await withSeed(async (rng) => {
      dataDir = await makeTempDir();
      const running = (server = await startTestServer({ dataDir }));
      const clients: TestClient[] = Array.from({ length: prng.uint32(rng, 5, 10) }, () => pool.connect(running.wsUrl, 'seeded'));
      const restartAt = new Set(Array.from({ length: RESTARTS }, () => prng.uint32(rng, OPERATIONS / 4, OPERATIONS - 1)));

      let drops = 0;
      for (const client of clients) client.provider.on('connection-close', () => drops++);
      let restarts = 0;
      for (let op = 0; op < OPERATIONS; op++) {
        const client = prng.oneOf(rng, clients);
        if (restartAt.has(op)) {
          await running.restart();
          restarts++;
        } else if (prng.real53(rng) < 0.04) {
          if (client.provider.shouldConnect) client.provider.disconnect();
          else client.provider.connect();
        } else {
          edit(client.doc, rng);
        }
        // Let frames interleave with further edits, in an order the seed decides.
        if (prng.real53(rng) < 0.3) await new Promise((resolve) => setImmediate(resolve));
      }

      expect(restarts).toBe(restartAt.size);
      expect(drops).toBeGreaterThan(0);
      for (const client of clients) if (!client.provider.shouldConnect) client.provider.connect();
      const expected = await waitFor(
        () => {
          const all = clients.map((client) => JSON.stringify(snapshot(client.doc)));
          return clients.every((client) => client.provider.synced) && all.every((one) => one === all[0]) ? all[0] : null;
        },
        { timeout: 20_000, message: 'every replica to converge' },
      );

      await running.close();
      server = null;
      const store = await openLevelDbStore(dataDir);
      const stored = new Y.Doc();
      try {
        const update = await store.load('seeded');
        expect(update).not.toBeNull();
        Y.applyUpdate(stored, update as Uint8Array);
        expect(JSON.stringify(snapshot(stored))).toBe(expected);
      } finally {
        stored.destroy();
        await store.close();
      }
    });
  });
});
