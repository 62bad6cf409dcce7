/**
 * The Tandem sync server as a library: `createTandemServer` starts one on a port and resolves
 * once it listens. Importing this module starts nothing.
 *
 * @example
 * ```ts
 * import { createTandemServer } from '@tandem-sync/server';
 * const server = await createTandemServer({ port: 0, dataDir: './data' });
 * console.log(`documents at ${server.wsUrl}/<name>`);
 * await server.close();
 * ```
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import type { Limits } from '../shared/limits.js';
import { createTokenVerifier, type VerificationKey } from './auth/tokens.js';
import { ConversionPool, conversionPoolOptions } from './api/convert-pool.js';
import { loadServerExtensions } from './api/server-extensions.js';
import { createDocumentApi } from './api/documents.js';
import { notifyingStore, WebhookSender, type WebhookOptions } from './api/webhooks.js';
import { ConfigError, DEFAULT_CONFIG, resolveLimits } from './config.js';
import { createAuthorizer, type Authorizer } from './connection/auth.js';
import { createCustomAuthorizer, identityFromAuthenticate } from './connection/custom-auth.js';
import { createDocuments, onLoadStep, type TandemDocuments } from './embedding/documents.js';
import { DEFAULT_HOOK_TIMEOUT_MS, HookRunner, type AuthenticateFunction, type TandemHooks } from './embedding/hooks.js';
import { KEEPALIVE_INTERVAL_MS } from './connection/connection.js';
import { LOG_FORMATS, LOG_LEVELS, createLogger, isLogFormat, isLogLevel } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import type { ClusterTiming } from './cluster/cluster-fanout.js';
import { registerDependencyMetrics } from './cluster/dependency-metrics.js';
import { NO_FANOUT, type FanOut } from './cluster/fanout.js';
import { openRedisFanOut } from './cluster/redis-fanout.js';
import { RoomRegistry } from './rooms/registry.js';
import { parseOrigins, type TlsOptions } from './security-settings.js';
import { openLevelDbStore } from './storage/leveldb-store.js';
import { openPostgresStore } from './storage/postgres-store.js';
import type { DocumentStore, StoreHealth } from './storage/store.js';
import { createRequestHandler, handleClientErrors, requestLimits, type HttpContext } from './transport/http.js';
import { UpgradeGate } from './transport/upgrade-gate.js';
import { isLoopback } from './transport/loopback.js';
import { createWebSocketAcceptor } from './transport/ws-adapter.js';
import { DEFAULT_MAX_VERSIONS } from './storage/versions.js';
import { AutoVersions, DEFAULT_VERSION_INTERVAL_MS } from './versions/auto-versions.js';
import { tandemVersion } from './version.js';

export { CloseCode } from '../shared/close-codes.js';
export { DEFAULT_LIMITS, type Limits } from '../shared/limits.js';
export { ConfigError } from './config.js';
export type { TlsOptions } from './security-settings.js';
export { StoreLockedError } from './storage/store.js';
export { createMemoryStore } from './storage/memory-store.js';
export type { DocumentStore } from './storage/store.js';
export type { VerificationKey } from './auth/tokens.js';
export { TandemAuthError } from './embedding/hooks.js';
export type { AuthenticateFunction, AuthenticateRequest, AuthenticateResult, AuthRefusalCode, TandemHooks, TandemUser } from './embedding/hooks.js';
export type { DocumentHandle, TandemDocuments } from './embedding/documents.js';

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
  /**
   * How long a deleted document keeps its tombstone (default 7 days): until then connections to
   * its name are refused with 4410, so that a stale client cannot write it back. Re-creating it
   * through the HTTP API lifts it at once; 0 keeps none.
   */
  deletedDocumentTtlMs?: number;
  /** pino level (default 'info'); 'silent' for none. */
  logLevel?: string;
  /** 'json' (default: one object a line) or 'pretty' (readable lines for a terminal). */
  logFormat?: string;
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
  /**
   * Attach to this `node:http` or `node:https` server, which the app owns and listens on, instead
   * of listening: Tandem handles its upgrades under {@link path} and nothing else of it. `port`,
   * `host` and `tls` are then ignored.
   */
  server?: Server | HttpsServer;
  /**
   * Neither listen nor attach: the app hands upgrades to {@link TandemServer.handleUpgrade} and
   * mounts {@link TandemServer.httpHandler} itself (like `ws`'s option of the same name).
   */
  noServer?: boolean;
  /** Where documents live: `ws://host/<path>/<name>` (default '/': `ws://host/<name>`). */
  path?: string;
  /** The app's own check of every connection and API call, instead of JWTs (see {@link AuthenticateFunction}). */
  authenticate?: AuthenticateFunction;
  /** Lifecycle hooks (see {@link TandemHooks}). */
  hooks?: TandemHooks;
  /** How long `authenticate` and `onLoad` may take before they count as failed (default 10 000 ms). */
  hookTimeoutMs?: number;
  /**
   * At most one automatic version of a document per this much time of editing, and one when its
   * last connection leaves after changes (default 600 000 ms); 0 takes none.
   */
  versionIntervalMs?: number;
  /** Versions kept per document; the oldest automatic ones go first (default 200). Ignored with {@link store}. */
  maxVersions?: number;
  /**
   * Path of an ES module whose default export is an array of Tiptap extensions: HTML and Markdown
   * exports and imports use the default schema plus these (server/api/server-extensions.ts).
   * A module that does not load or exports anything else is refused with a ConfigError.
   */
  extensions?: string | null;
}

/**
 * Every option {@link createTandemServer} knows; any other is refused by name. A record rather
 * than a list, so that an option added to {@link TandemServerOptions} and not here fails to compile.
 */
const OPTION_NAMES: Readonly<Record<keyof TandemServerOptions, true>> = {
  port: true,
  host: true,
  dataDir: true,
  syncWrites: true,
  store: true,
  databaseUrl: true,
  redisUrl: true,
  instanceId: true,
  clusterTiming: true,
  staticDir: true,
  limits: true,
  heartbeatIntervalMs: true,
  unloadGraceMs: true,
  logLevel: true,
  logFormat: true,
  auth: true,
  allowedOrigins: true,
  tls: true,
  trustProxy: true,
  readOnlyPresence: true,
  webhook: true,
  server: true,
  noServer: true,
  path: true,
  authenticate: true,
  hooks: true,
  hookTimeoutMs: true,
  deletedDocumentTtlMs: true,
  versionIntervalMs: true,
  maxVersions: true,
  extensions: true,
};
const KNOWN_OPTIONS: ReadonlySet<string> = new Set(Object.keys(OPTION_NAMES));

const KNOWN_HOOKS: ReadonlySet<string> = new Set<keyof TandemHooks>(['onLoad', 'onChange', 'onConnect', 'onDisconnect', 'onUnload']);

/** Express/Connect-style handler: answers Tandem's routes and hands the rest to `next` (404 without it). */
export type TandemHttpHandler = (request: IncomingMessage, response: ServerResponse, next?: (error?: unknown) => void) => void;

/** A running server. */
export interface TandemServer {
  /** The port it listens on (attached: the app server's port, 0 while that does not listen). */
  readonly port: number;
  /** e.g. `http://127.0.0.1:4321` */
  readonly httpUrl: string;
  /** e.g. `ws://127.0.0.1:4321` (with the {@link TandemServerOptions.path}); a document's URL is `${wsUrl}/${name}`. */
  readonly wsUrl: string;
  /**
   * Handles one WebSocket upgrade, for servers that route upgrades themselves; one outside the
   * path is answered 404.
   * @example
   * httpServer.on('upgrade', (request, socket, head) => {
   *   if (request.url?.startsWith('/collab/')) tandem.handleUpgrade(request, socket, head);
   * });
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /**
   * Tandem's HTTP endpoints (`/api/documents`, `/healthz`, `/readyz`, `/metrics`, and the demo app
   * when `staticDir` is set) as a handler to mount in Express or Connect.
   * @example
   * app.use('/collab', tandem.httpHandler);
   */
  readonly httpHandler: TandemHttpHandler;
  /** Documents from server code: `open(name)` gives a live, editable handle. */
  readonly documents: TandemDocuments;
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

/** The document path prefix: '' for '/', '/collab' for '/collab' or '/collab/'. */
function basePathOf(path: string | undefined): string {
  if (path === undefined || path === '/' || path === '') return '';
  if (!path.startsWith('/') || path.includes('?') || path.includes('#')) throw new ConfigError('path', `expected a path such as /collab, got '${path}'`);
  return path.replace(/\/+$/, '');
}

function checkOptions(options: TandemServerOptions): void {
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new ConfigError(key, 'unknown option of createTandemServer');
  }
  for (const key of Object.keys(options.hooks ?? {})) {
    if (!KNOWN_HOOKS.has(key)) throw new ConfigError(`hooks.${key}`, `unknown hook (the hooks are ${[...KNOWN_HOOKS].join(', ')})`);
  }
  if (options.authenticate !== undefined && options.auth != null) throw new ConfigError('authenticate', 'give either authenticate or auth, not both');
  if (options.noServer === true && options.server !== undefined) throw new ConfigError('noServer', 'give either server or noServer, not both');
}

/**
 * Opens storage, then listens (or attaches to `options.server`). Rejects with `StoreLockedError`
 * when another process holds the data dir, with `ConfigError` for a bad or unknown option, or
 * with the listen error (e.g. EADDRINUSE).
 * @example
 * const tandem = await createTandemServer({ server: httpServer, path: '/collab', authenticate });
 */
export async function createTandemServer(options: TandemServerOptions = {}): Promise<TandemServer> {
  checkOptions(options);
  const basePath = basePathOf(options.path);
  const limits = resolveLimits(options.limits);
  const logLevel = options.logLevel ?? DEFAULT_CONFIG.logLevel;
  if (!isLogLevel(logLevel)) throw new ConfigError('logLevel', `expected one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  const authorizer = authorizerFor(options.auth, options.readOnlyPresence ?? DEFAULT_CONFIG.readOnlyPresence);
  const origins = options.allowedOrigins ?? null;
  const allowedOrigins = origins === null ? null : new Set(parseOrigins('allowedOrigins', origins.join(',')));
  const logFormat = options.logFormat ?? DEFAULT_CONFIG.logFormat;
  if (!isLogFormat(logFormat)) throw new ConfigError('logFormat', `expected one of ${LOG_FORMATS.join(', ')}, got '${logFormat}'`);
  const logger = createLogger(logLevel, logFormat);
  const extensions = options.extensions == null ? null : resolvePath(options.extensions);
  // Checked before anything opens: a bad module refuses the start, not every later conversion.
  if (extensions !== null) await loadServerExtensions(extensions);
  const metrics = createMetrics();
  const ownsStore = options.store === undefined;
  const onError = (error: unknown, document: string): void => logger.warn({ err: error, room: document }, 'background compaction failed');
  const onHealth = (health: StoreHealth): void => {
    if (health.state === 'failing')
      logger.error({ reason: health.reason }, 'storage is failing: refusing loads and writes, retrying until it takes writes again');
    else logger.info('storage takes writes again');
  };
  const databaseUrl = options.databaseUrl ?? null;
  let fanOut: FanOut = NO_FANOUT;
  // Read when scraped: the store and the fan-out are opened just below.
  const countRetry = registerDependencyMetrics(
    metrics.registry,
    () => fanOut,
    () => store,
  );
  const store: DocumentStore =
    options.store ??
    (databaseUrl !== null
      ? await openPostgresStore(databaseUrl, {
          onError,
          maxVersions: options.maxVersions ?? DEFAULT_MAX_VERSIONS,
          onHealth,
          onRetry: (error, attempt) => {
            countRetry();
            logger.warn({ err: error, attempt }, 'the database refused a write batch; retrying');
          },
        })
      : await openLevelDbStore(options.dataDir ?? DEFAULT_CONFIG.dataDir, {
          syncWrites: options.syncWrites ?? DEFAULT_CONFIG.syncWrites,
          onError,
          maxVersions: options.maxVersions ?? DEFAULT_MAX_VERSIONS,
          onHealth,
          onJournalDamage: (report) => logger.error(report, 'damaged journal file: its intact records were replayed, the file is kept aside'),
        }));
  const redisUrl = options.redisUrl ?? null;
  if (redisUrl !== null) fanOut = await openRedisFanOut(redisUrl, options.instanceId ?? randomUUID(), logger, metrics.registry, options.clusterTiming);
  // Starts its workers on the first conversion, so that a server nobody converts with runs none.
  const converter = new ConversionPool(conversionPoolOptions(limits, extensions));
  const webhooks = options.webhook == null ? null : new WebhookSender(options.webhook, store, converter, logger, metrics.registry);
  const hooks = new HookRunner(options.hooks ?? {}, options.hookTimeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS, logger, (hook) => metrics.hookError(hook));
  const onChange =
    options.hooks?.onChange === undefined ? null : (name: string, update: Uint8Array) => hooks.notify('onChange', { documentName: name, update });
  // Rooms and the API write through this, so that every durable change schedules its event and
  // reaches the app's onChange.
  const versionIntervalMs = options.versionIntervalMs ?? DEFAULT_VERSION_INTERVAL_MS;
  const autoVersions =
    versionIntervalMs === 0
      ? null
      : new AutoVersions(store, {
          intervalMs: versionIntervalMs,
          created: (name, version) => webhooks?.versionEvent('version.created', name, version),
          failed: (error, name) => logger.warn({ err: error, room: name }, 'taking an automatic version failed'),
        });
  const roomStore = notifyingStore(store, (name, update) => {
    webhooks?.changed(name);
    if (update === null) {
      autoVersions?.deleted(name);
      return;
    }
    autoVersions?.changed(name);
    onChange?.(name, update);
  });
  const registry = new RoomRegistry({
    store: roomStore,
    metrics,
    logger,
    limits,
    unloadGraceMs: options.unloadGraceMs ?? DEFAULT_CONFIG.unloadGraceMs,
    deletedDocumentTtlMs: options.deletedDocumentTtlMs ?? DEFAULT_CONFIG.deletedDocumentTtlMs,
    fanOut,
    prepare: onLoadStep(hooks),
    unloaded: (name) => hooks.notify('onUnload', { documentName: name }),
  });
  const documents = createDocuments(registry);
  const authenticate = options.authenticate;
  const readOnlyPresence = options.readOnlyPresence ?? DEFAULT_CONFIG.readOnlyPresence;
  let ready = true;
  const context: HttpContext = {
    registry,
    metrics,
    logger,
    limits,
    acceptor: createWebSocketAcceptor(limits.maxFrameBytes),
    staticDir: options.staticDir ?? null,
    authorizer: authenticate === undefined ? authorizer : createCustomAuthorizer(authenticate, hooks, readOnlyPresence),
    allowedOrigins,
    trustProxy: options.trustProxy ?? DEFAULT_CONFIG.trustProxy,
    hooks,
    basePath,
    roomEmpty: (name) => autoVersions?.idle(name),
    isReady: () => ready,
    failingDependency: () => {
      const health = store.health();
      if (health.state === 'failing') return `storage failing: ${health.reason}`;
      return fanOut.ready() ? null : 'cluster fan-out (Redis) unreachable';
    },
    api: createDocumentApi({
      store: roomStore,
      registry,
      logger,
      verifier: authorizer === null || options.auth == null ? null : createTokenVerifier(options.auth),
      ...(authenticate === undefined
        ? {}
        : { identify: (request, token, documentName) => identityFromAuthenticate(authenticate, hooks, { token, documentName, request }) }),
      maxBodyBytes: limits.maxFrameBytes,
      ...(webhooks === null ? {} : { versionEvent: (type, name, version) => webhooks.versionEvent(type, name, version) }),
      converter,
      limitHit: (limit) => metrics.limitHit(limit),
      connectedClients: (name) => gate.clientsOf(name),
      disconnect: (name) => gate.closeDocument(name),
    }),
  };
  const gate = new UpgradeGate(context);
  const handler = createRequestHandler(context);
  // The app's server (attached), or none at all (noServer): either way the app owns listening.
  const attached = options.server ?? (options.noServer === true ? createServer() : null);
  const tls = attached === null ? (options.tls ?? null) : null;
  let http: Server | HttpsServer;
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // Attached to the app's server, upgrades outside the path are the app's (its own listeners).
    if (attached === null || gate.owns(request)) gate.handle(request, socket, head);
  };
  if (attached !== null) {
    http = attached;
  } else {
    http =
      tls === null
        ? createServer(requestLimits(limits), handler)
        : createHttpsServer({ ...requestLimits(limits), ...tls, handshakeTimeout: limits.handshakeTimeoutMs }, handler);
    handleClientErrors(http, metrics);
  }
  if (options.noServer !== true) http.on('upgrade', onUpgrade);
  if (attached === null) {
    try {
      await listen(http, options.port ?? DEFAULT_CONFIG.port, options.host ?? DEFAULT_CONFIG.host);
    } catch (error) {
      await converter.close();
      await fanOut.close();
      if (ownsStore) await store.close();
      throw error;
    }
  }
  const heartbeat = setInterval(() => {
    for (const connection of gate.connections) connection.heartbeat();
  }, options.heartbeatIntervalMs ?? DEFAULT_CONFIG.heartbeatIntervalMs);
  const keepalive = setInterval(() => {
    for (const connection of gate.connections) connection.keepalive();
  }, KEEPALIVE_INTERVAL_MS);
  const secure = attached === null ? tls !== null : attached instanceof HttpsServer;
  const urls = (): { port: number; httpUrl: string; wsUrl: string } => {
    const address = http.address() as AddressInfo | null;
    const port = address?.port ?? 0;
    const host = urlHost(address?.address ?? '127.0.0.1');
    return {
      port,
      httpUrl: `${secure ? 'https' : 'http'}://${host}:${port}`,
      wsUrl: `${secure ? 'wss' : 'ws'}://${host}:${port}${basePath}`,
    };
  };
  // Our own listener's address is fixed (and stays readable after close); an app's server may
  // start listening later, so its address is read when asked.
  const listened = attached === null ? urls() : null;
  const current = (): { port: number; httpUrl: string; wsUrl: string } => listened ?? urls();
  const address = http.address() as AddressInfo | null;
  const storage = options.store !== undefined ? 'custom' : databaseUrl !== null ? 'postgresql' : 'leveldb';
  logger.info(
    {
      port: address?.port ?? null,
      host: address?.address ?? null,
      url: address === null ? null : current().httpUrl,
      path: basePath === '' ? '/' : basePath,
      attached: attached !== null,
      auth: context.authorizer !== null,
      tls: secure,
      instance: fanOut.instanceId,
      storage,
      version: tandemVersion(),
    },
    attached === null ? 'listening' : 'attached',
  );
  if (context.authorizer === null && address !== null && !isLoopback(address.address)) {
    logger.warn(
      { host: address.address },
      'open mode: no auth key is configured, so anyone who can reach this address can read and write every document (set --auth-secret, --auth-public-key or --auth-jwks)',
    );
  }

  let closed: Promise<void> | null = null;
  const shutdown = async (): Promise<void> => {
    ready = false;
    clearInterval(heartbeat);
    clearInterval(keepalive);
    http.off('upgrade', onUpgrade);
    // The app's server stays up: only Tandem's connections close.
    const stopped = attached === null ? new Promise<void>((resolve) => http.close(() => resolve())) : Promise.resolve();
    await gate.shutdown();
    context.acceptor.close();
    if (attached === null) http.closeAllConnections();
    await stopped;
    await documents.closeAll();
    await registry.close();
    await autoVersions?.close();
    webhooks?.close();
    await converter.close();
    await fanOut.close();
    if (ownsStore) await store.close();
    logger.info('stopped');
  };
  const httpHandler: TandemHttpHandler = (request, response, next) => handler(request, response, next);
  return {
    get port() {
      return current().port;
    },
    get httpUrl() {
      return current().httpUrl;
    },
    get wsUrl() {
      return current().wsUrl;
    },
    handleUpgrade: (request, socket, head) => gate.handle(request, socket, head),
    httpHandler,
    documents,
    close() {
      closed ??= shutdown();
      return closed;
    },
  };
}
