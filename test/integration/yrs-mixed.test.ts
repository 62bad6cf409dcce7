/**
 * Yrs clients (ywasm) beside stock Yjs clients on one server: a second implementation of the
 * encoding must converge with Yjs through Tandem's merges, stored-bytes answers, compaction and
 * restarts, on every kind of content Yjs has.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ClientPool } from '../helpers/clients.js';
import { contentOf, readUpdate, stateOf, waitConverged, yjsReplica, yrsReplica, type Replica } from '../helpers/mixed-edits.js';
import { withSeed, type Rng } from '../helpers/seed.js';
import { spawnServer, startTestServer, type ChildServer, type TestServer } from '../helpers/server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { YrsClient } from '../helpers/yrs-client.js';

/** The stored document, through the HTTP API. */
async function storedUpdate(httpUrl: string, name: string): Promise<Uint8Array | null> {
  const response = await fetch(`${httpUrl}/api/documents/${name}?format=yjs`);
  return response.status === 200 ? new Uint8Array(await response.arrayBuffer()) : null;
}

/** Every replica and the stored document hold the same content; resolves with it. */
function converged(httpUrl: string, name: string, replicas: readonly Replica[]): Promise<string> {
  return waitConverged(replicas, () => storedUpdate(httpUrl, name));
}

/** `count` random edits spread over `replicas`, each made from the editing replica's own state. */
function editAtRandom(rng: Rng, replicas: readonly Replica[], count: number): void {
  for (let i = 0; i < count; i++) (replicas[i % replicas.length] as Replica).edit(rng);
}

describe('Yrs and Yjs clients together', () => {
  const pool = new ClientPool();
  const yrs: YrsClient[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  let server: TestServer | null = null;

  function yrsClient(wsUrl: string, name: string): YrsClient {
    const client = new YrsClient(wsUrl, name);
    yrs.push(client);
    return client;
  }

  async function mixed(wsUrl: string, name: string, yjsCount: number, yrsCount: number): Promise<{ replicas: Replica[]; yrs: YrsClient[] }> {
    const replicas: Replica[] = [];
    const made: YrsClient[] = [];
    for (let i = 0; i < yjsCount; i++) replicas.push(yjsReplica(`yjs-${i}`, await pool.connectSynced(wsUrl, name)));
    for (let i = 0; i < yrsCount; i++) {
      const client = yrsClient(wsUrl, name);
      await waitFor(() => client.synced, { message: 'the Yrs client to sync' });
      made.push(client);
      replicas.push(yrsReplica(`yrs-${i}`, client));
    }
    return { replicas, yrs: made };
  }

  afterEach(async () => {
    pool.destroyAll();
    for (const client of yrs.splice(0)) client.destroy();
    await server?.close();
    server = null;
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('converge on text, maps, arrays, formatted XML, deletions and emoji, and storage agrees', async () => {
    await withSeed(async (rng) => {
      server = await startTestServer();
      const { replicas } = await mixed(server.wsUrl, 'mixed', 2, 2);
      editAtRandom(rng, replicas, 400);
      const content = await converged(server.httpUrl, 'mixed', replicas);
      expect(content).not.toBe(contentOf(new Y.Doc()));
      // A late joiner of each kind loads the same document from the stored bytes.
      const late = await mixed(server.wsUrl, 'mixed', 1, 1);
      await converged(server.httpUrl, 'mixed', [...replicas, ...late.replicas]);
    });
  });

  it('converge through random disconnects and server restarts (seeded)', async () => {
    await withSeed(async (rng) => {
      server = await startTestServer();
      const active = server;
      const { replicas, yrs: yrsClients } = await mixed(active.wsUrl, 'restarts', 2, 2);
      for (let round = 0; round < 6; round++) {
        editAtRandom(rng, replicas, 40);
        const offline = yrsClients[round % yrsClients.length] as YrsClient;
        offline.disconnect();
        editAtRandom(rng, replicas, 40);
        if (round % 3 === 2) await active.restart();
        offline.connect(active.wsUrl);
        editAtRandom(rng, replicas, 20);
      }
      await converged(active.httpUrl, 'restarts', replicas);
    });
  });

  it('a long log written by Yrs and Yjs compacts into the same document', async () => {
    await withSeed(async (rng) => {
      server = await startTestServer();
      const { replicas } = await mixed(server.wsUrl, 'long', 1, 2);
      for (let i = 0; i < 10; i++) editAtRandom(rng, replicas, 60);
      const before = await converged(server.httpUrl, 'long', replicas);
      const info = async (): Promise<{ updates: number }> =>
        (await (await fetch(`${(server as TestServer).httpUrl}/api/documents/long?info=1`)).json()) as { updates: number };
      expect((await fetch(`${server.httpUrl}/api/documents/long?action=compact`, { method: 'POST' })).status).toBe(204);
      expect((await info()).updates).toBe(1);
      const compacted = new Y.Doc();
      Y.applyUpdate(compacted, (await storedUpdate(server.httpUrl, 'long')) ?? new Uint8Array([0, 0]));
      expect(contentOf(compacted)).toBe(before);
      const late = await mixed(server.wsUrl, 'long', 1, 1);
      editAtRandom(rng, [...replicas, ...late.replicas], 50);
      await converged(server.httpUrl, 'long', [...replicas, ...late.replicas]);
    });
  });

  it('what a Yrs client saw survives kill -9, and its offline edits arrive after the restart', async () => {
    await withSeed(async (rng) => {
      const dataDir = await makeTempDir('tandem-yrs-kill-');
      let child: ChildServer = await spawnServer(dataDir);
      cleanups.push(async () => {
        child.process.kill('SIGKILL');
        await child.exited;
        await removeTempDir(dataDir);
      });
      const {
        replicas,
        yrs: [writer],
      } = await mixed(child.wsUrl, 'killed', 1, 1);
      editAtRandom(rng, replicas, 100);
      // An edit a peer received was durable before it was relayed.
      const [yjsWriter] = replicas as [Replica, Replica];
      const seen = await waitFor(
        () => {
          const [a, b] = replicas as [Replica, Replica];
          return a.state() === b.state() ? { state: a.state(), content: yjsWriter.content() } : null;
        },
        { message: 'both clients to see every edit' },
      );
      child.process.kill('SIGKILL');
      await child.exited;
      pool.destroyAll();

      const survivor = writer as YrsClient;
      const offline = yrsReplica('yrs-offline', survivor);
      editAtRandom(rng, [offline], 20);
      child = await spawnServer(dataDir);
      const restored = (await storedUpdate(child.httpUrl, 'killed')) ?? new Uint8Array([0, 0]);
      expect(stateOf(restored)).toBe(seen.state);
      expect(readUpdate(yjsWriter.implementation, restored).content).toBe(seen.content);
      survivor.connect(child.wsUrl);
      const reader = await mixed(child.wsUrl, 'killed', 1, 0);
      await converged(child.httpUrl, 'killed', [offline, ...reader.replicas]);
    });
  }, 60_000);
});
