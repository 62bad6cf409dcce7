/**
 * A real Tandem server for tests: port 0, a fresh LevelDB folder per server (unless a store is
 * given), logs silent unless asked for. Restart keeps the port and the data.
 */
import { createTandemServer, type TandemServer, type TandemServerOptions } from '../../server/index.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

/** A server under test. `server`, `httpUrl` and `wsUrl` follow restarts; `port` stays the same. */
export interface TestServer {
  readonly server: TandemServer;
  readonly port: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  /** The LevelDB folder, or null when a store was passed in. */
  readonly dataDir: string | null;
  /** Closes the server and removes its data folder. */
  close(): Promise<void>;
  /** Graceful close, then a new server on the same port and data. */
  restart(): Promise<void>;
}

/** Starts a server; options override the test defaults (port 0, temp LevelDB, silent logs). */
export async function startTestServer(options: TandemServerOptions = {}): Promise<TestServer> {
  const dataDir = options.store === undefined ? (options.dataDir ?? (await makeTempDir('tandem-server-'))) : null;
  const ownsDir = dataDir !== null && options.dataDir === undefined;
  const settings: TandemServerOptions = {
    logLevel: process.env.TANDEM_TEST_LOG_LEVEL ?? 'silent',
    ...options,
    port: options.port ?? 0,
    ...(dataDir === null ? {} : { dataDir }),
  };
  let server = await createTandemServer(settings);
  const port = server.port;
  return {
    get server() {
      return server;
    },
    port,
    get httpUrl() {
      return server.httpUrl;
    },
    get wsUrl() {
      return server.wsUrl;
    },
    dataDir,
    async close() {
      await server.close();
      if (ownsDir) await removeTempDir(dataDir);
    },
    async restart() {
      await server.close();
      server = await createTandemServer({ ...settings, port });
    },
  };
}

/**
 * The value of one series from the server's `/metrics`, e.g.
 * `readMetric(url, 'tandem_connection_closes_total', { code: '4408' })`; 0 when absent.
 */
export async function readMetric(httpUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    const match = /^(?:\{([^}]*)\})?\s+(\S+)$/.exec(rest);
    if (match === null) continue;
    const present = (match[1] ?? '').split(',');
    if (wanted.every((pair) => present.includes(pair))) return Number(match[2]);
  }
  return 0;
}
