/**
 * Yrs clients (ywasm) and stock Yjs clients spread over two instances sharing Redis and
 * PostgreSQL: their edits cross instances through the fan-out and converge, and what is stored
 * equals what every client holds.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ClientPool } from '../helpers/clients.js';
import { contentOf, waitConverged, yjsReplica, yrsReplica, type Replica } from '../helpers/mixed-edits.js';
import { withSeed } from '../helpers/seed.js';
import { waitFor } from '../helpers/wait-for.js';
import { YrsClient } from '../helpers/yrs-client.js';
import { useCluster } from './cluster-setup.js';

const pool = new ClientPool();
const yrs: YrsClient[] = [];
const cluster = useCluster(() => {
  pool.destroyAll();
  for (const client of yrs.splice(0)) client.destroy();
});

describe('Yrs clients in a cluster', () => {
  it('Yrs and Yjs clients on two instances converge under random edits, and storage equals them', async () => {
    await withSeed(async (rng) => {
      const db = await cluster().database();
      const [a, b] = await Promise.all([cluster().instance(db, 'a'), cluster().instance(db, 'b')]);
      const replicas: Replica[] = [];
      for (const [i, instance] of [a, b].entries()) {
        replicas.push(yjsReplica(`yjs-${i}`, await pool.connectSynced(instance.wsUrl, 'mixed')));
        const client = new YrsClient(instance.wsUrl, 'mixed');
        yrs.push(client);
        await waitFor(() => client.synced, { message: 'the Yrs client to sync' });
        replicas.push(yrsReplica(`yrs-${i}`, client));
      }
      for (let i = 0; i < 300; i++) (replicas[i % replicas.length] as Replica).edit(rng);

      const content = await waitConverged(replicas, () => cluster().stored(db, 'mixed'));
      expect(content).not.toBe(contentOf(new Y.Doc()));
    });
  });
});
