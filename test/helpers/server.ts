/**
 * A real Tandem server for tests: port 0, a fresh LevelDB folder per server (unless a store is
 * given), logs silent unless asked for. Restart keeps the port and the data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTandemServer, type DocumentStore, type TandemServer, type TandemServerOptions } from '../../server/index.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

/** How long a child server may take to start listening. */
const SPAWN_TIMEOUT_MS = 20_000;

const CLI_PATH = fileURLToPath(new URL('../../server/cli.ts', import.meta.url));

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

/** A server running in its own process (`node --import tsx server/cli.ts`), for kill and CLI tests. */
export interface ChildServer {
  readonly process: ChildProcess;
  readonly port: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  /** Settles when the process exits. */
  readonly exited: Promise<ChildExit>;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Everything the process wrote to stdout so far (its JSON log). */
  stdout(): string;
}

/** How a child process ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A child process: its exit, and what it printed so far. */
export interface CliRun {
  readonly process: ChildProcess;
  readonly exited: Promise<ChildExit>;
  output(): { stdout: string; stderr: string };
}

/** Runs `command` with `args` in a child process, collecting what it prints. */
export function runProcess(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { process: child, exited, output: () => ({ stdout, stderr }) };
}

/** Runs the CLI with `args` (and `env` over this process's environment) in a child process. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): CliRun {
  return runProcess(process.execPath, ['--import', 'tsx', CLI_PATH, ...args], { env: { ...process.env, ...env } });
}

/**
 * Starts `tandem serve` in a child process on `port` (0 for any) with `dataDir` (and `env` over
 * this process's environment), resolving once it logs that it listens.
 */
export async function spawnServer(dataDir: string, port = 0, extraArgs: readonly string[] = [], env: Record<string, string> = {}): Promise<ChildServer> {
  const { process: child, exited, output } = runCli(['serve', '--port', String(port), '--data', dataDir, '--static-dir', 'none', ...extraArgs], env);
  const listening = await new Promise<number>((resolve, reject) => {
    // A server that never says it listens must not outlive the test that started it.
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not listen within ${SPAWN_TIMEOUT_MS} ms: ${output().stderr}`));
    }, SPAWN_TIMEOUT_MS);
    let buffer = '';
    const onData = (chunk: string): void => {
      buffer += chunk;
      for (const line of buffer.split('\n')) {
        if (!line.includes('"listening"')) continue;
        child.stdout?.off('data', onData);
        clearTimeout(deadline);
        resolve((JSON.parse(line) as { port: number }).port);
        return;
      }
    };
    child.stdout?.on('data', onData);
    void exited.then(({ code, stderr: err }) => {
      clearTimeout(deadline);
      reject(new Error(`server exited with ${code} before listening: ${err}`));
    });
  });
  return {
    process: child,
    port: listening,
    httpUrl: `http://127.0.0.1:${listening}`,
    wsUrl: `ws://127.0.0.1:${listening}`,
    exited,
    stderr: () => output().stderr,
    stdout: () => output().stdout,
  };
}

/** `inner` with some of its methods replaced: a store that fails, waits or counts on demand. */
export function storeWith(inner: DocumentStore, overrides: Partial<DocumentStore>): DocumentStore {
  return {
    load: (name) => inner.load(name),
    append: (name, update) => inner.append(name, update),
    compact: (name) => inner.compact(name),
    info: (name) => inner.info(name),
    list: () => inner.list(),
    delete: (name) => inner.delete(name),
    close: () => inner.close(),
    versions: inner.versions,
    health: () => inner.health(),
    deletedAt: (name) => inner.deletedAt(name),
    ...overrides,
  };
}
