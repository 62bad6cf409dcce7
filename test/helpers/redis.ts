/**
 * A real Redis for tests: Debian's redis-server on a free port in a temp dir, with no persistence
 * (`--save '' --appendonly no`), stopped and removed afterwards. It can be stopped and started
 * again on the same port, to test what instances do while Redis is away.
 * scripts/ensure-system-deps.sh installs redis-server when it is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
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

/** Starts a Redis on a free port; resolves once it answers. */
export async function startRedis(): Promise<TestRedis> {
  const dir = await makeTempDir('tandem-redis-');
  const port = await freePort();
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const killAtExit = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', killAtExit);

  async function start(): Promise<void> {
    if (child !== null) return;
    const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
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
