/**
 * The Tandem sync server as a library: `createTandemServer` starts one on a port and resolves
 * once it listens. Importing this module starts nothing.
 *
 * @example
 * ```ts
 * import { createTandemServer } from 'tandem/server';
 * const server = await createTandemServer({ port: 0, dataDir: './data' });
 * console.log(`documents at ${server.wsUrl}/<name>`);
 * await server.close();
 * ```
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Limits } from '../shared/limits.js';
import { ConfigError, DEFAULT_CONFIG, resolveLimits } from './config.js';
import { KEEPALIVE_INTERVAL_MS } from './connection/connection.js';
import { LOG_LEVELS, createLogger, isLogLevel } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import { RoomRegistry } from './rooms/registry.js';
import { openLevelDbStore } from './storage/leveldb-store.js';
import type { DocumentStore } from './storage/store.js';
import { createRequestHandler, UpgradeGate, type HttpContext } from './transport/http.js';
import { createWebSocketAcceptor } from './transport/ws-adapter.js';

export { ConfigError } from './config.js';
export { StoreLockedError } from './storage/store.js';
export type { DocumentStore } from './storage/store.js';

/** How to run a server; every field has a default. */
export interface TandemServerOptions {
  /** Port to listen on (default 1234); 0 picks a free one. */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** LevelDB folder (default ./data); ignored when {@link store} is given. */
  dataDir?: string;
  /**
   * fsync every LevelDB batch before acknowledging it (default false). Without it an acknowledged
   * edit survives the process being killed but not the machine losing power.
   */
  syncWrites?: boolean;
  /** A store to use instead of LevelDB in {@link dataDir}, e.g. `createMemoryStore()`; the caller closes it. */
  store?: DocumentStore;
  /** The built demo app, served at `/` and `/d/<name>`; null (the default) serves none. */
  staticDir?: string | null;
  /** Overrides of the limits in shared/limits.ts. */
  limits?: Partial<Limits>;
  /** WebSocket ping interval (default 30 000 ms); a socket with no pong by the next ping is dropped. */
  heartbeatIntervalMs?: number;
  /** How long an empty document stays loaded (default 30 000 ms). */
  unloadGraceMs?: number;
  /** pino level (default 'info'); 'silent' for none. */
  logLevel?: string;
}

/** A running server. */
export interface TandemServer {
  readonly port: number;
  /** e.g. `http://127.0.0.1:4321` */
  readonly httpUrl: string;
  /** e.g. `ws://127.0.0.1:4321`; a document's URL is `${wsUrl}/${name}`. */
  readonly wsUrl: string;
  /**
   * Graceful stop: refuse new connections, close open ones with 1001, write everything pending,
   * close the storage it opened (a store passed in options stays open).
   */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Opens storage, then listens. Rejects with `StoreLockedError` when another process holds the
 * data dir, with `ConfigError` for a bad option, or with the listen error (e.g. EADDRINUSE).
 */
export async function createTandemServer(options: TandemServerOptions = {}): Promise<TandemServer> {
  const limits = resolveLimits(options.limits);
  const logLevel = options.logLevel ?? DEFAULT_CONFIG.logLevel;
  if (!isLogLevel(logLevel)) throw new ConfigError('logLevel', `expected one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  const logger = createLogger(logLevel);
  const metrics = createMetrics();
  const ownsStore = options.store === undefined;
  const store =
    options.store ??
    (await openLevelDbStore(options.dataDir ?? DEFAULT_CONFIG.dataDir, {
      syncWrites: options.syncWrites ?? DEFAULT_CONFIG.syncWrites,
      onError: (error, document) => logger.warn({ err: error, room: document }, 'background compaction failed'),
    }));
  const registry = new RoomRegistry({
    store,
    metrics,
    logger,
    limits,
    unloadGraceMs: options.unloadGraceMs ?? DEFAULT_CONFIG.unloadGraceMs,
  });
  let ready = true;
  const context: HttpContext = {
    registry,
    metrics,
    logger,
    limits,
    acceptor: createWebSocketAcceptor(limits.maxFrameBytes),
    staticDir: options.staticDir ?? null,
    isReady: () => ready,
  };
  const gate = new UpgradeGate(context);
  const http = createServer(createRequestHandler(context));
  http.on('upgrade', (request, socket, head) => gate.handle(request, socket, head));
  let address: AddressInfo;
  try {
    address = await listen(http, options.port ?? DEFAULT_CONFIG.port, options.host ?? DEFAULT_CONFIG.host);
  } catch (error) {
    if (ownsStore) await store.close();
    throw error;
  }
  const heartbeat = setInterval(() => {
    for (const connection of gate.connections) connection.heartbeat();
  }, options.heartbeatIntervalMs ?? DEFAULT_CONFIG.heartbeatIntervalMs);
  const keepalive = setInterval(() => {
    for (const connection of gate.connections) connection.keepalive();
  }, KEEPALIVE_INTERVAL_MS);
  const host = urlHost(address.address);
  logger.info({ port: address.port, host: address.address }, 'listening');

  let closed: Promise<void> | null = null;
  const shutdown = async (): Promise<void> => {
    ready = false;
    clearInterval(heartbeat);
    clearInterval(keepalive);
    const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
    await gate.shutdown();
    context.acceptor.close();
    http.closeAllConnections();
    await stopped;
    await registry.close();
    if (ownsStore) await store.close();
    logger.info('stopped');
  };
  return {
    port: address.port,
    httpUrl: `http://${host}:${address.port}`,
    wsUrl: `ws://${host}:${address.port}`,
    close() {
      closed ??= shutdown();
      return closed;
    },
  };
}
