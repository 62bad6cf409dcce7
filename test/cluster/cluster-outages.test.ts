/**
 * Instances and their dependencies failing mid-edit: an instance killed with SIGKILL (its clients
 * move to another instance), Redis restarted, PostgreSQL stopped for a few seconds. Every client
 * keeps typing unique tokens; afterwards every replica holds every token anyone typed (nothing
 * is lost), and storage equals the live state.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ClientPool, waitSynced, type TestClient } from '../helpers/clients.js';
import { withSeed, type Rng } from '../helpers/seed.js';
import { readMetric } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';
import { useCluster } from './cluster-setup.js';

const pool = new ClientPool();
const typists: Typist[] = [];
const cluster = useCluster(() => {
  for (const typist of typists.splice(0)) typist.stop();
  pool.destroyAll();
});

const NAME = 'outage';

/** One client inserting a unique token at a seeded random place of a shared array every 15 ms. */
interface Typist {
  readonly tag: string;
  readonly client: TestClient;
  readonly typed: string[];
  stop(): void;
}

function startTyping(client: TestClient, tag: string, rng: Rng): Typist {
  const typed: string[] = [];
  const log = client.doc.getArray<string>('log');
  const timer = setInterval(() => {
    const token = `${tag}:${typed.length}`;
    typed.push(token);
    log.insert(Math.floor(rng.next() * (log.length + 1)), [token]);
  }, 15);
  const typist = { tag, client, typed, stop: () => clearInterval(timer) };
  typists.push(typist);
  return typist;
}

function tokens(client: TestClient): string[] {
  return client.doc.getArray<string>('log').toArray();
}

/** Instances a and b on a fresh database, a client typing on each, b seeing a's typing. */
async function twoInstancesTyping(rng: Rng) {
  const db = await cluster().database();
  const [a, b] = await Promise.all([cluster().instance(db, 'a'), cluster().instance(db, 'b')]);
  const onA = await pool.connectSynced(a.wsUrl, NAME);
  const onB = await pool.connectSynced(b.wsUrl, NAME);
  const typists = [startTyping(onA, 'a', rng), startTyping(onB, 'b', rng)];
  await sees(onB, typists[0]!, 5);
  return { db, a, typists };
}

/** Everyone converges on one array holding every token typed; storage ends up equal to it. */
async function expectNothingLost(db: string, all: Typist[], seen: string[][] = []): Promise<void> {
  for (const typist of all) typist.stop();
  const clients = all.map((typist) => typist.client);
  await waitFor(() => clients.every((client) => JSON.stringify(tokens(client)) === JSON.stringify(tokens(clients[0]!))), {
    timeout: 20_000,
    message: 'every replica to converge',
  });
  const live = tokens(clients[0]!);
  const present = new Set(live);
  for (const token of [...all.flatMap((typist) => typist.typed), ...seen.flat()]) expect(present.has(token), `token ${token}`).toBe(true);
  expect(present.size).toBe(live.length);
  await waitFor(
    async () => {
      const stored = await cluster().stored(db, NAME);
      if (stored === null) return false;
      const doc = new Y.Doc();
      Y.applyUpdate(doc, stored);
      const same = JSON.stringify(doc.getArray('log').toArray()) === JSON.stringify(live);
      doc.destroy();
      return same;
    },
    { timeout: 15_000, message: 'storage to equal the live state' },
  );
}

/** Resolves once `observer` holds at least `count` of `typist`'s tokens. */
function sees(observer: TestClient, typist: Typist, count: number): Promise<unknown> {
  const prefix = `${typist.tag}:`;
  return waitFor(() => tokens(observer).filter((token) => token.startsWith(prefix)).length >= count, { timeout: 10_000, message: 'edits to cross instances' });
}

describe('outages mid-edit', () => {
  it('an instance killed with SIGKILL mid-edit loses nothing: its clients reconnect to another instance', async () => {
    await withSeed(async (rng) => {
      const db = await cluster().database();
      const [a, b] = await Promise.all([cluster().instance(db, 'a'), cluster().instance(db, 'b')]);
      const doomed = await cluster().child(db, 'doomed');
      const onDoomed = await pool.connectSynced(doomed.wsUrl, NAME);
      const onA = await pool.connectSynced(a.wsUrl, NAME);
      const onB = await pool.connectSynced(b.wsUrl, NAME);
      const typists = [startTyping(onDoomed, 'k', rng), startTyping(onA, 'a', rng), startTyping(onB, 'b', rng)];
      await sees(onA, typists[0]!, 10);
      doomed.process.kill('SIGKILL');
      await doomed.exited;
      const seen = [onA, onB, onDoomed].map(tokens);
      // The load balancer sends the killed instance's clients elsewhere.
      onDoomed.provider.disconnect();
      onDoomed.provider.serverUrl = b.wsUrl;
      onDoomed.provider.connect();
      await waitSynced(onDoomed);
      await sees(onA, typists[0]!, typists[0]!.typed.length);
      await expectNothingLost(db, typists, seen);
    });
  });

  it('Redis restarting mid-edit: instances serve their own clients, report not ready, then resync and converge', async () => {
    await withSeed(async (rng) => {
      const { db, a, typists } = await twoInstancesTyping(rng);
      await cluster().redis.stop();
      await waitFor(async () => (await fetch(`${a.httpUrl}/readyz`)).status === 503, { message: 'instance a to report not ready' });
      expect(await readMetric(a.httpUrl, 'tandem_fanout_up')).toBe(0);
      const during = typists[0]!.typed.length;
      await waitFor(() => typists[0]!.typed.length >= during + 10, { message: 'more typing while Redis is down' });
      const ownClient = await pool.connectSynced(a.wsUrl, NAME);
      expect(tokens(ownClient)).toContain(typists[0]!.typed.at(-5));
      await cluster().redis.start();
      await waitFor(async () => (await fetch(`${a.httpUrl}/readyz`)).status === 200, { message: 'instance a to be ready again' });
      expect(await readMetric(a.httpUrl, 'tandem_fanout_up')).toBe(1);
      await expectNothingLost(db, typists);
    });
  });

  it('PostgreSQL stopped for a few seconds mid-edit: writes are retried and nothing is lost', async () => {
    await withSeed(async (rng) => {
      const { db, a, typists } = await twoInstancesTyping(rng);
      await cluster().postgres.stop();
      await waitFor(async () => (await fetch(`${a.httpUrl}/readyz`)).status === 503, { timeout: 10_000, message: 'instance a to report not ready' });
      expect(await readMetric(a.httpUrl, 'tandem_storage_healthy')).toBe(0);
      const during = typists[0]!.typed.length;
      await waitFor(() => typists[0]!.typed.length >= during + 150, { message: 'more typing while PostgreSQL is down' });
      await cluster().postgres.start();
      await expectNothingLost(db, typists);
      expect(await readMetric(a.httpUrl, 'tandem_storage_healthy')).toBe(1);
      expect(await readMetric(a.httpUrl, 'tandem_storage_write_retries_total')).toBeGreaterThan(0);
    });
  });
});
