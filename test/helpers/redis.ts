/**
 * A real Redis for tests: Debian's redis-server on a free port in a temp dir, with no persistence
 * (`--save '' --appendonly no`), stopped and removed afterwards. It can be stopped and started
 * again on the same port, to test what instances do while Redis is away.
 * scripts/ensure-system-deps.sh installs redis-server when it is missing.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection, createServer } from 'node:net';
import { makeTempDir, removeTempDir } from './temp-dir.js';
import { waitFor } from './wait-for.js';

/** One test Redis. */
export interface TestRedis {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops the server (SIGKILL: connections drop at once, as in a crash). */
  stop(): Promise<void>;
  /** Starts it again on the same port; resolves once it answers PING. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  destroy(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True when a Redis on `port` answers PING with PONG. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}

const run = promisify(execFile);

/** Starts a Redis on a free port (with `extraArgs`, in `dir` if given); resolves once it answers. */
export async function startRedis(extraArgs: readonly string[] = [], folder?: string): Promise<TestRedis> {
  const dir = folder ?? (await makeTempDir('tandem-redis-'));
  const port = await freePort();
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const killAtExit = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', killAtExit);

  async function start(): Promise<void> {
    if (child !== null) return;
    const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...extraArgs], {
      stdio: 'ignore',
    });
    child = started;
    exited = new Promise((resolve) => started.once('exit', () => resolve()));
    await waitFor(() => pong(port), { timeout: 10_000, interval: 20, message: `redis-server on port ${port}` });
  }

  async function stop(): Promise<void> {
    if (child === null) return;
    child.kill('SIGKILL');
    child = null;
    await exited;
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    async destroy() {
      process.off('exit', killAtExit);
      await stop();
      await removeTempDir(dir);
    },
  };
}

/** A Redis Cluster of masters without replicas, for testing that the fan-out works across its nodes. */
export interface TestRedisCluster {
  /** Every node, comma-separated: `redis://127.0.0.1:<p1>,127.0.0.1:<p2>,...` */
  readonly url: string;
  destroy(): Promise<void>;
}

/** Starts `size` cluster-enabled nodes, joins them into one cluster, and waits until it serves. */
export async function startRedisCluster(size = 3): Promise<TestRedisCluster> {
  const root = await makeTempDir('tandem-redis-cluster-');
  const nodes: TestRedis[] = [];
  try {
    for (let i = 0; i < size; i++) {
      const dir = join(root, String(i));
      await mkdir(dir);
      nodes.push(await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'], dir));
    }
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    await waitFor(
      async () => {
        const infos = await Promise.all(nodes.map((node) => run('redis-cli', ['-p', String(node.port), 'cluster', 'info'])));
        return infos.every(({ stdout }) => stdout.includes('cluster_state:ok'));
      },
      { timeout: 15_000, interval: 100, message: 'the Redis Cluster to serve' },
    );
  } catch (error) {
    await Promise.all(nodes.map((node) => node.destroy()));
    await removeTempDir(root);
    throw error;
  }
  return {
    url: `redis://${nodes.map((node) => `127.0.0.1:${node.port}`).join(',')}`,
    async destroy() {
      await Promise.all(nodes.map((node) => node.destroy()));
      await removeTempDir(root);
    },
  };
}
