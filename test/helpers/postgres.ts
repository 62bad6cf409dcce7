/**
 * A real PostgreSQL server for tests: Debian's binaries, a fresh cluster in a temp dir on a free
 * port, tuned for speed (no fsync), one database per use, stopped and removed afterwards.
 *
 * PostgreSQL refuses to run as root, so when the tests run as root the cluster belongs to the
 * `postgres` user that Debian's package creates, and every server command runs through
 * `runuser -u postgres`. scripts/ensure-system-deps.sh installs the package when it is missing.
 */
import { execFile, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { chown, readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { makeTempDir, removeTempDir } from './temp-dir.js';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);

/** Where Debian installs the server binaries, one folder per major version. */
const DEBIAN_ROOT = '/usr/lib/postgresql';

/** Server settings that trade crash safety for speed: a test cluster lives for one file. */
const FAST_SETTINGS = [
  'fsync=off',
  'full_page_writes=off',
  'shared_buffers=16MB',
  'max_connections=60',
  'listen_addresses=127.0.0.1',
  'log_min_messages=warning',
];

/** One running (or stopped) test cluster. */
export interface TestPostgres {
  /** The TCP port the server listens on (127.0.0.1), the same across stop and start. */
  readonly port: number;
  /** A new empty database; resolves with its connection string. */
  createDatabase(): Promise<string>;
  /** Stops the server (fast shutdown: open sessions are cut, committed work is kept). */
  stop(): Promise<void>;
  /** Starts the stopped server again (a no-op if it runs) on the same port and data; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops the server if it runs and removes its folder. */
  destroy(): Promise<void>;
}

/** The folder of the newest installed PostgreSQL's binaries. */
async function binDir(): Promise<string> {
  const versions = await readdir(DEBIAN_ROOT).catch(() => [] as string[]);
  const newest = versions.filter((entry) => /^\d+$/.test(entry)).sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) {
    throw new Error(`no PostgreSQL under ${DEBIAN_ROOT}: run scripts/ensure-system-deps.sh (apt-get install postgresql)`);
  }
  return join(DEBIAN_ROOT, newest, 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The command line that runs a server binary as a user PostgreSQL accepts. */
function asServerUser(binary: string, args: readonly string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, [...args]];
}

function runAsServerUser(binary: string, args: readonly string[]): Promise<unknown> {
  return run(...asServerUser(binary, args));
}

/**
 * Creates a cluster in a fresh temp dir and starts it; resolves once it accepts connections.
 * Takes about a second. Call `destroy` in afterAll.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = await binDir();
  const root = await makeTempDir('tandem-pg-');
  const data = join(root, 'data');
  const log = join(root, 'server.log');
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: group } = await run('id', ['-g', 'postgres']);
    await chown(root, Number(stdout), Number(group));
  }
  await runAsServerUser(join(bin, 'initdb'), ['--pgdata', data, '--auth', 'trust', '--username', 'postgres', '--encoding', 'UTF8', '--no-locale', '--no-sync']);
  const port = await freePort();
  const options = ['-p', String(port), '-k', root, ...FAST_SETTINGS.flatMap((setting) => ['-c', setting])].join(' ');
  const adminUrl = connectionString(port, 'postgres');
  let running = false;
  let databases = 0;
  // pg_ctl detaches the server: if the test process ends without afterAll (a crash, a worker
  // torn down), stop it here rather than leave it running.
  const stopAtExit = () => {
    if (running) execFileSync(...asServerUser(join(bin, 'pg_ctl'), ['stop', '--pgdata', data, '--mode', 'immediate']));
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', stopAtExit);

  async function start(): Promise<void> {
    if (running) return;
    await runAsServerUser(join(bin, 'pg_ctl'), ['start', '--pgdata', data, '--log', log, '--options', options, '--no-wait']);
    running = true;
    await waitFor(() => ownServerAnswers(adminUrl, data), { timeout: 30_000, interval: 25, message: `PostgreSQL on port ${port} (log: ${log})` });
  }

  async function stop(): Promise<void> {
    if (!running) return;
    await runAsServerUser(join(bin, 'pg_ctl'), ['stop', '--pgdata', data, '--mode', 'fast', '--wait']);
    running = false;
  }

  await start();
  return {
    port,
    start,
    stop,
    async createDatabase() {
      const name = `test_${process.pid}_${++databases}`;
      await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
      return connectionString(port, name);
    },
    async destroy() {
      process.off('exit', stopAtExit);
      await stop();
      await removeTempDir(root);
    },
  };
}

/**
 * One cluster for a whole test file, started when the first test asks for a database, so a file
 * whose PostgreSQL tests are filtered out never pays for it. `databaseFor(key)` gives each key
 * its own database, the same one every time it is asked again.
 */
export function postgresOnDemand(): { databaseFor(key: string): Promise<string>; destroy(): Promise<void> } {
  let cluster: Promise<TestPostgres> | null = null;
  const databases = new Map<string, Promise<string>>();
  return {
    databaseFor(key) {
      let database = databases.get(key);
      if (!database) {
        cluster ??= startPostgres();
        database = cluster.then((started) => started.createDatabase());
        databases.set(key, database);
      }
      return database;
    },
    async destroy() {
      if (cluster) await (await cluster).destroy();
    },
  };
}

/** A client of the database at `url`, for a test that holds a transaction open; `end()` it. */
export async function connectClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  // A server going away mid-test reports here instead of crashing the test process.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Runs one statement on the database at `url` and returns its rows: for checks behind the store's back. */
export async function queryRows<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  return withClient(url, async (client) => (await client.query<R>(text, values)).rows);
}

function connectionString(port: number, database: string): string {
  return `postgresql://postgres@127.0.0.1:${port}/${database}`;
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectClient(url);
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/**
 * Whether the server at `url` accepts connections and is the one in `data`: if another test
 * process took the port first, ours failed to start, and that one must not be mistaken for it.
 */
async function ownServerAnswers(url: string, data: string): Promise<boolean> {
  const [row] = await queryRows<{ dir: string }>(url, "SELECT current_setting('data_directory') AS dir");
  if (row?.dir !== data) throw new Error(`port taken by the PostgreSQL of ${row?.dir}`);
  return true;
}
