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
import { createServer as createHttpsServer } from 'node:https';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Limits } from '../shared/limits.js';
import { createTokenVerifier, type VerificationKey } from './auth/tokens.js';
import { ConversionPool, conversionPoolOptions } from './api/convert-pool.js';
import { createDocumentApi } from './api/documents.js';
import { notifyingStore, WebhookSender, type WebhookOptions } from './api/webhooks.js';
import { ConfigError, DEFAULT_CONFIG, resolveLimits } from './config.js';
import { createAuthorizer, type Authorizer } from './connection/auth.js';
import { KEEPALIVE_INTERVAL_MS } from './connection/connection.js';
import { LOG_LEVELS, createLogger, isLogLevel } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import type { ClusterTiming } from './cluster/cluster-fanout.js';
import { registerDependencyMetrics } from './cluster/dependency-metrics.js';
import { NO_FANOUT, type FanOut } from './cluster/fanout.js';
import { openRedisFanOut } from './cluster/redis-fanout.js';
import { RoomRegistry } from './rooms/registry.js';
import { parseOrigins, type TlsOptions } from './security-settings.js';
import { openLevelDbStore } from './storage/leveldb-store.js';
import { openPostgresStore } from './storage/postgres-store.js';
import type { DocumentStore } from './storage/store.js';
import { createRequestHandler, handleClientErrors, requestLimits, type HttpContext } from './transport/http.js';
import { UpgradeGate } from './transport/upgrade-gate.js';
import { isLoopback } from './transport/loopback.js';
import { createWebSocketAcceptor } from './transport/ws-adapter.js';

export { ConfigError } from './config.js';
export type { TlsOptions } from './security-settings.js';
export { StoreLockedError } from './storage/store.js';
export type { DocumentStore } from './storage/store.js';
export type { VerificationKey } from './auth/tokens.js';

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
  /**
   * PostgreSQL connection string (`postgresql://user:pass@host/db`): keep documents there instead
   * of LevelDB, so that several instances share them. Ignored when {@link store} is given.
   */
  databaseUrl?: string | null;
  /**
   * Redis URL (`redis://host:6379`; several comma-separated nodes for a Redis Cluster): relay
   * edits and presence to the other instances serving the same documents. Null: one instance.
   */
  redisUrl?: string | null;
  /** This instance's id in the cluster (default: random); unique per running process. */
  instanceId?: string;
  /** Liveness and resync timing of the cluster fan-out (tests shorten it). */
  clusterTiming?: ClusterTiming;
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
  /**
   * How to verify the `?token=` of each connection: a shared secret (HS256), a PEM public key or a
   * JWKS. Null or absent is open mode: anyone may read and write every document.
   */
  auth?: VerificationKey | null;
  /** Origins (e.g. `https://app.example.com`) browsers may connect from; null or absent allows any. */
  allowedOrigins?: readonly string[] | null;
  /** Serve https and wss with this PEM certificate and key; null or absent serves http and ws. */
  tls?: TlsOptions | null;
  /** Behind one reverse proxy: take the client address from the last X-Forwarded-For entry. */
  trustProxy?: boolean;
  /** Let read-only connections publish presence (default false). */
  readOnlyPresence?: boolean;
  /** Send signed `document.changed` events (server/api/webhooks.ts); null or absent sends none. */
  webhook?: WebhookOptions | null;
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

function authorizerFor(key: VerificationKey | null | undefined, readOnlyPresence: boolean): Authorizer | null {
  if (key === null || key === undefined) return null;
  try {
    return createAuthorizer(key, { readOnlyPresence });
  } catch (error) {
    throw new ConfigError('auth', error instanceof Error ? error.message : String(error));
  }
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
  const authorizer = authorizerFor(options.auth, options.readOnlyPresence ?? DEFAULT_CONFIG.readOnlyPresence);
  const origins = options.allowedOrigins ?? null;
  const allowedOrigins = origins === null ? null : new Set(parseOrigins('allowedOrigins', origins.join(',')));
  const logger = createLogger(logLevel);
  const metrics = createMetrics();
  const ownsStore = options.store === undefined;
  const onError = (error: unknown, document: string): void => logger.warn({ err: error, room: document }, 'background compaction failed');
  const databaseUrl = options.databaseUrl ?? null;
  let fanOut: FanOut = NO_FANOUT;
  // Read when scraped: the store and the fan-out are opened just below.
  const countRetry = registerDependencyMetrics(metrics.registry, () => fanOut, () => store);
  const store: DocumentStore =
    options.store ??
    (databaseUrl !== null
      ? await openPostgresStore(databaseUrl, {
          onError,
          onRetry: (error, attempt) => {
            countRetry();
            logger.warn({ err: error, attempt }, 'the database refused a write batch; retrying');
          },
        })
      : await openLevelDbStore(options.dataDir ?? DEFAULT_CONFIG.dataDir, { syncWrites: options.syncWrites ?? DEFAULT_CONFIG.syncWrites, onError }));
  const redisUrl = options.redisUrl ?? null;
  if (redisUrl !== null) fanOut = await openRedisFanOut(redisUrl, options.instanceId ?? randomUUID(), logger, metrics.registry, options.clusterTiming);
  // Starts its workers on the first conversion, so that a server nobody converts with runs none.
  const converter = new ConversionPool(conversionPoolOptions(limits));
  const webhooks = options.webhook == null ? null : new WebhookSender(options.webhook, store, converter, logger, metrics.registry);
  // Rooms and the API write through this, so that every durable change schedules its event.
  const roomStore = webhooks === null ? store : notifyingStore(store, (name) => webhooks.changed(name));
  const registry = new RoomRegistry({
    store: roomStore,
    metrics,
    logger,
    limits,
    unloadGraceMs: options.unloadGraceMs ?? DEFAULT_CONFIG.unloadGraceMs,
    fanOut,
  });
  let ready = true;
  const context: HttpContext = {
    registry,
    metrics,
    logger,
    limits,
    acceptor: createWebSocketAcceptor(limits.maxFrameBytes),
    staticDir: options.staticDir ?? null,
    authorizer,
    allowedOrigins,
    trustProxy: options.trustProxy ?? DEFAULT_CONFIG.trustProxy,
    isReady: () => ready,
    dependenciesReady: () => fanOut.ready() && (store.health?.() ?? 'ok') === 'ok',
    api: createDocumentApi({
      store: roomStore,
      registry,
      logger,
      verifier: authorizer === null || options.auth == null ? null : createTokenVerifier(options.auth),
      maxBodyBytes: limits.maxFrameBytes,
      converter,
      limitHit: (limit) => metrics.limitHit(limit),
      connectedClients: (name) => gate.clientsOf(name),
      disconnect: (name) => gate.closeDocument(name),
    }),
  };
  const gate = new UpgradeGate(context);
  const tls = options.tls ?? null;
  const handler = createRequestHandler(context);
  const http: Server =
    tls === null
      ? createServer(requestLimits(limits), handler)
      : createHttpsServer({ ...requestLimits(limits), ...tls, handshakeTimeout: limits.handshakeTimeoutMs }, handler);
  handleClientErrors(http, metrics);
  http.on('upgrade', (request, socket, head) => gate.handle(request, socket, head));
  let address: AddressInfo;
  try {
    address = await listen(http, options.port ?? DEFAULT_CONFIG.port, options.host ?? DEFAULT_CONFIG.host);
  } catch (error) {
    await converter.close();
    await fanOut.close();
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
  logger.info({ port: address.port, host: address.address, auth: authorizer !== null, tls: tls !== null, instance: fanOut.instanceId }, 'listening');
  if (authorizer === null && !isLoopback(address.address)) {
    logger.warn({ host: address.address }, 'open mode: no auth key is configured, so anyone who can reach this address can read and write every document (set --auth-secret, --auth-public-key or --auth-jwks)');
  }

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
    webhooks?.close();
    await converter.close();
    await fanOut.close();
    if (ownsStore) await store.close();
    logger.info('stopped');
  };
  return {
    port: address.port,
    httpUrl: `${tls === null ? 'http' : 'https'}://${host}:${address.port}`,
    wsUrl: `${tls === null ? 'ws' : 'wss'}://${host}:${address.port}`,
    close() {
      closed ??= shutdown();
      return closed;
    },
  };
}
