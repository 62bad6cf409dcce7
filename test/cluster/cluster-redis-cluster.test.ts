/**
 * The fan-out over a Redis Cluster (a URL listing several nodes): edits and presence cross
 * instances whichever node each document's channel and each instance's connections land on.
 */
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { ClientPool, type TestClient } from '../helpers/clients.js';
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait-for.js';
import { startCluster, type TestCluster } from './cluster-setup.js';

let cluster: TestCluster;
let redisCluster: TestRedisCluster;
const pool = new ClientPool();

beforeAll(async () => {
  [cluster, redisCluster] = await Promise.all([startCluster(), startRedisCluster(3)]);
});

afterEach(async () => {
  pool.destroyAll();
  await cluster.closeInstances();
});

afterAll(async () => {
  await Promise.all([cluster?.destroy(), redisCluster?.destroy()]);
});

function text(client: TestClient): string {
  return client.doc.getText('t').toString();
}

describe('fan-out over a Redis Cluster', () => {
  it('edits and presence on many documents cross instances connected to a three-node Redis Cluster', async () => {
    const db = await cluster.database();
    const [a, b] = await Promise.all([cluster.instance(db, 'a', redisCluster.url), cluster.instance(db, 'b', redisCluster.url)]);
    const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];
    const pairs = await Promise.all(
      names.map(async (name) => ({ name, onA: await pool.connectSynced(a.wsUrl, name), onB: await pool.connectSynced(b.wsUrl, name) })),
    );
    for (const { name, onA, onB } of pairs) {
      onA.doc.getText('t').insert(0, `${name} from a`);
      onB.provider.awareness.setLocalStateField('user', { name: `reader of ${name}`, color: '#123456' });
    }
    for (const { name, onA, onB } of pairs) {
      await waitFor(() => text(onB) === `${name} from a`, { message: `the edit of ${name} to cross instances` });
      await waitFor(
        () => (onA.provider.awareness.getStates().get(onB.doc.clientID) as { user?: { name: string } } | undefined)?.user?.name === `reader of ${name}`,
        {
          message: `the presence on ${name} to cross instances`,
        },
      );
    }
  });
});
