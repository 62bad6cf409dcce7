/**
 * The server under test as a child process: Tandem from server/dist/, the raw relay, y-websocket
 * 2.1's own server with y-leveldb, or Hocuspocus with its SQLite extension. Started on a free
 * port, awaited by polling its HTTP endpoint, measured through /proc, stopped by SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { Protocol } from './framing.js';
import { cpuSeconds, rssBytes } from './proc-stats.js';

/** Every server a run can measure, in the order tables show them. */
export const TARGETS = ['relay', 'tandem', 'ywebsocket', 'hocuspocus'] as const;

/** Which server a run measures. */
export type TargetKind = (typeof TARGETS)[number];

/** The targets that hold documents (all but the relay), so that joins wait for their state. */
export function holdsDocuments(kind: TargetKind): boolean {
  return kind !== 'relay';
}

/** How a target frames its messages (see bench/framing.ts). */
export function protocolOf(kind: TargetKind): Protocol {
  return kind === 'hocuspocus' ? 'hocuspocus' : 'y-websocket';
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TANDEM_CLI = join(ROOT, 'server/dist/server/cli.js');
/** y-websocket 2.1's server, installed under an alias: 3.x moved the server to its own package. */
const Y_WEBSOCKET_SERVER = join(ROOT, 'node_modules/y-websocket-2/bin/server.cjs');

/**
 * Limits raised for a scripted client: the defaults protect a public server from abusive humans
 * and would otherwise cut the benchmark's own connections (one IP, hundreds of messages/s).
 */
const LOAD_LIMIT_FLAGS = [
  '--messages-per-second',
  '1000000',
  '--message-burst',
  '1000000',
  '--bytes-per-second',
  '1000000000',
  '--byte-burst',
  '1000000000',
  '--max-connections-per-ip',
  '100000',
  '--max-connections-per-room',
  '100000',
  '--connection-attempts-per-minute',
  '1000000',
  '--awareness-updates-per-second',
  '1000000',
  '--awareness-burst',
  '1000000',
  // The many workload loads 10,000 documents; the large one sends a 10 MB state to each reader.
  '--max-loaded-rooms',
  '1000000',
  '--max-unsent-bytes',
  '1000000000',
];

/** How to start a server under test. */
export interface StartOptions {
  kind: TargetKind;
  /** Where the server keeps its documents (required for every target but the relay). */
  dataDir?: string;
  /** Port to listen on; a free one when omitted (a restart passes the old one). */
  port?: number;
  /** Extra flags for node itself, before the script. */
  nodeFlags?: readonly string[];
  /** Write a V8 CPU profile of the server into this folder when it exits. */
  cpuProfileDir?: string;
}

/** A running server under test. */
export interface ServerUnderTest {
  readonly kind: TargetKind;
  readonly protocol: Protocol;
  readonly pid: number;
  readonly port: number;
  /** Base of document URLs: `${wsUrl}/${name}`. */
  readonly wsUrl: string;
  /** CPU seconds (user + system) the server has used since it started. */
  cpuSeconds(): number;
  /** Resident set size now, in bytes. */
  rssBytes(): number;
  /** SIGTERM, then wait for exit (SIGKILL after 15 s). Resolves with the exit code. */
  stop(): Promise<number | null>;
}

const running = new Set<ChildProcess>();

/** Makes sure no server under test outlives the runner, however the runner ends. */
export function killServersOnExit(): void {
  const killAll = (): void => {
    for (const child of running) child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** Starts a server and resolves once it answers HTTP (Tandem: once /readyz says 200). */
export async function startServer(options: StartOptions): Promise<ServerUnderTest> {
  const port = options.port ?? (await freePort());
  const profile = options.cpuProfileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir];
  const { args, env } = commandOf(options, port);
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...profile, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  running.add(child);
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${options.kind}`);
  const readyPath = options.kind === 'tandem' ? '/readyz' : '/';
  await pollReady(`http://127.0.0.1:${port}${readyPath}`, options.kind === 'tandem', child, () => output);
  return {
    kind: options.kind,
    protocol: protocolOf(options.kind),
    pid,
    port,
    wsUrl: `ws://127.0.0.1:${port}`,
    cpuSeconds: () => cpuSeconds(pid),
    rssBytes: () => rssBytes(pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** The script and arguments of a target, and its environment beyond the runner's own. */
function commandOf(options: StartOptions, port: number): { args: string[]; env: Record<string, string> } {
  switch (options.kind) {
    case 'relay':
      return { args: [compiledScript('raw-relay'), String(port)], env: {} };
    case 'tandem':
      return {
        args: [
          TANDEM_CLI,
          'serve',
          '--port',
          String(port),
          '--host',
          '127.0.0.1',
          '--data',
          requireDataDir(options),
          '--log-level',
          'warn',
          ...LOAD_LIMIT_FLAGS,
        ],
        env: {},
      };
    case 'ywebsocket':
      // Its own server script, as its README runs it; YPERSISTENCE makes it keep every document
      // in LevelDB through y-leveldb (the version y-websocket 2.1 depends on).
      return { args: [Y_WEBSOCKET_SERVER], env: { HOST: '127.0.0.1', PORT: String(port), YPERSISTENCE: requireDataDir(options) } };
    case 'hocuspocus':
      return { args: [compiledScript('hocuspocus-server'), String(port), hocuspocusDatabase(requireDataDir(options))], env: {} };
  }
}

/** Hocuspocus' SQLite database file inside a target's data dir. */
export function hocuspocusDatabase(dataDir: string): string {
  return join(dataDir, 'hocuspocus.sqlite');
}

function requireDataDir(options: StartOptions): string {
  if (options.dataDir === undefined) throw new Error(`${options.kind} needs a data dir`);
  return options.dataDir;
}

/** Polls `url` until it answers (with 200 when `needOk`), the child dies, or 20 s pass. */
async function pollReady(url: string, needOk: boolean, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`);
    }
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (!needOk || response.ok) return;
    } catch {
      // Not listening yet: connection refused until the server binds its port.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready at ${url} after 20 s:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A script of bench/ compiled to plain JavaScript, so that it runs on bare Node like the built
 * Tandem and its CPU and memory carry no TypeScript loader. Written under node_modules/.cache so
 * that its imports resolve to the project's packages.
 */
function compiledScript(name: 'raw-relay' | 'hocuspocus-server'): string {
  const out = join(ROOT, `node_modules/.cache/tandem-bench/${name}.mjs`);
  const source = readFileSync(join(ROOT, `bench/${name}.ts`), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, outputText);
  return out;
}
