/**
 * What the cluster tests share: one real Redis and one real PostgreSQL per file, instances
 * started in this process on port 0 (or as a child process, to be killed), and short liveness
 * and resync timings so that a test of a dead instance takes seconds.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createTandemServer, type TandemServer, type TandemServerOptions } from '../../server/index.js';
import type { ClusterTiming } from '../../server/cluster/cluster-fanout.js';
import { openPostgresStore } from '../../server/storage/postgres-store.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { spawnServer, type ChildServer } from '../helpers/server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

/** Liveness expires 1 s after a kill, checked every 250 ms; documents resync every 2 s. */
export const TEST_TIMING: ClusterTiming = { livenessTtlMs: 1_000, livenessIntervalMs: 250, resyncIntervalMs: 2_000 };

/** The Redis and PostgreSQL of one test file, and the instances it started. */
export interface TestCluster {
  readonly redis: TestRedis;
  readonly postgres: TestPostgres;
  /** A fresh database for one test. */
  database(): Promise<string>;
  /**
   * An instance in this process over `databaseUrl`, fanning out through `redisUrl` (default: the
   * file's Redis), with `options` over the test defaults.
   */
  instance(databaseUrl: string, instanceId: string, redisUrl?: string, options?: TandemServerOptions): Promise<TandemServer>;
  /** An instance in a child process over `databaseUrl`, to be killed with SIGKILL. */
  child(databaseUrl: string, instanceId: string): Promise<ChildServer>;
  /** The document as stored in `databaseUrl`, read by a store of its own. */
  stored(databaseUrl: string, name: string): Promise<Uint8Array | null>;
  /** Closes the instances the test started (children are killed). */
  closeInstances(): Promise<void>;
  destroy(): Promise<void>;
}

/** Starts Redis and PostgreSQL for a test file. */
export async function startCluster(): Promise<TestCluster> {
  const [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  const servers: TandemServer[] = [];
  const children: ChildServer[] = [];
  const dataDir = await makeTempDir('tandem-cluster-');
  const cluster: TestCluster = {
    redis,
    postgres,
    database: () => postgres.createDatabase(),
    async instance(databaseUrl, instanceId, redisUrl = redis.url, options = {}) {
      const server = await createTandemServer({
        port: 0,
        databaseUrl,
        redisUrl,
        instanceId,
        clusterTiming: TEST_TIMING,
        logLevel: 'silent',
        unloadGraceMs: 200,
        ...options,
      });
      servers.push(server);
      return server;
    },
    async child(databaseUrl, instanceId) {
      const child = await spawnServer(dataDir, 0, [
        '--database-url',
        databaseUrl,
        '--redis-url',
        redis.url,
        '--instance-id',
        instanceId,
        '--log-level',
        'info',
      ]);
      children.push(child);
      return child;
    },
    async stored(databaseUrl, name) {
      const store = await openPostgresStore(databaseUrl);
      try {
        return await store.load(name);
      } finally {
        await store.close();
      }
    },
    async closeInstances() {
      for (const child of children.splice(0)) {
        child.process.kill('SIGKILL');
        await child.exited;
      }
      await Promise.all(servers.splice(0).map((server) => server.close()));
    },
    async destroy() {
      await cluster.closeInstances();
      await Promise.all([redis.destroy(), postgres.destroy(), removeTempDir(dataDir)]);
    },
  };
  return cluster;
}

/**
 * Registers one file's cluster lifecycle: started once before its tests, instances closed after
 * each test (after `cleanUp`, e.g. destroying clients), Redis and PostgreSQL stopped after all.
 * Returns the accessor for the running cluster.
 */
export function useCluster(cleanUp: () => void): () => TestCluster {
  let cluster: TestCluster | null = null;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterEach(async () => {
    cleanUp();
    await cluster?.closeInstances();
  });
  afterAll(async () => {
    await cluster?.destroy();
  });
  return () => {
    if (cluster === null) throw new Error('the cluster is not started');
    return cluster;
  };
}
