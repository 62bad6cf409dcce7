/**
 * Three instances over one Redis and one PostgreSQL, clients spread over them: concurrent edits
 * converge everywhere, and what is stored equals the live state.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ClientPool, waitSynced, type TestClient } from '../helpers/clients.js';
import { withSeed } from '../helpers/seed.js';
import { waitFor } from '../helpers/wait-for.js';
import { useCluster } from './cluster-setup.js';

const pool = new ClientPool();
const cluster = useCluster(() => pool.destroyAll());

function text(client: TestClient): string {
  return client.doc.getText('t').toString();
}

describe('cluster convergence', () => {
  it('an edit made on one instance reaches a client of another instance', async () => {
    const db = await cluster().database();
    const [a, b] = await Promise.all([cluster().instance(db, 'a'), cluster().instance(db, 'b')]);
    const onA = await pool.connectSynced(a.wsUrl, 'hello');
    const onB = await pool.connectSynced(b.wsUrl, 'hello');
    onA.doc.getText('t').insert(0, 'from a');
    await waitFor(() => text(onB) === 'from a', { message: 'the edit on instance a to reach instance b' });
    onB.doc.getText('t').insert(6, ', from b');
    await waitFor(() => text(onA) === 'from a, from b', { message: 'the edit on instance b to reach instance a' });
  });

  it('an edit that reaches a client of another instance is already in storage when it arrives', async () => {
    const db = await cluster().database();
    const [a, b] = await Promise.all([cluster().instance(db, 'a'), cluster().instance(db, 'b')]);
    const writer = await pool.connectSynced(a.wsUrl, 'durable');
    const reader = await pool.connectSynced(b.wsUrl, 'durable');
    const storedWhenSeen: Promise<string>[] = [];
    reader.doc.on('update', () => {
      const seen = text(reader);
      // Read storage the moment the edit arrives: the instance that stored it published it only then.
      storedWhenSeen.push(
        cluster()
          .stored(db, 'durable')
          .then((stored) => {
            const doc = new Y.Doc();
            if (stored !== null) Y.applyUpdate(doc, stored);
            const storedText = doc.getText('t').toString();
            doc.destroy();
            return storedText.startsWith(seen) ? 'stored' : `missing: saw '${seen}', stored '${storedText}'`;
          }),
      );
    });
    for (const char of 'durable') writer.doc.getText('t').insert(text(writer).length, char);
    await waitFor(() => text(reader) === 'durable', { message: 'the edit to reach instance b' });
    expect(new Set(await Promise.all(storedWhenSeen))).toEqual(new Set(['stored']));
  });

  it('clients spread over three instances converge under concurrent random edits, and storage equals the live state', async () => {
    await withSeed(async (rng) => {
      const db = await cluster().database();
      const instances = await Promise.all(['a', 'b', 'c'].map((id) => cluster().instance(db, id)));
      const names = ['doc-1', 'doc-2'];
      const clients: { client: TestClient; name: string }[] = [];
      for (let i = 0; i < 9; i++) {
        const name = names[i % names.length] as string;
        const server = instances[i % instances.length]!;
        clients.push({ client: pool.connect(server.wsUrl, name), name });
      }
      await Promise.all(clients.map(({ client }) => waitSynced(client)));
      for (let round = 0; round < 20; round++) {
        for (const { client } of clients) {
          const ytext = client.doc.getText('t');
          if (ytext.length > 0 && rng.next() < 0.25) {
            const at = Math.floor(rng.next() * ytext.length);
            ytext.delete(at, Math.min(3, ytext.length - at));
          } else {
            ytext.insert(Math.floor(rng.next() * (ytext.length + 1)), String.fromCharCode(97 + Math.floor(rng.next() * 26)));
          }
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      for (const name of names) {
        const replicas = clients.filter((entry) => entry.name === name).map((entry) => entry.client);
        await waitFor(() => replicas.every((client) => text(client) === text(replicas[0]!)), {
          timeout: 15_000,
          message: `every replica of ${name} to converge`,
        });
        const live = text(replicas[0]!);
        expect(live.length).toBeGreaterThan(0);
        await waitFor(
          async () => {
            const stored = await cluster().stored(db, name);
            if (stored === null) return false;
            const doc = new Y.Doc();
            Y.applyUpdate(doc, stored);
            const same = doc.getText('t').toString() === live;
            doc.destroy();
            return same;
          },
          { timeout: 10_000, message: `the stored ${name} to equal the live state` },
        );
      }
    });
  });
});
