/**
 * HTTP: the operational routes, the demo app, the limits on requests themselves (headers deadline
 * and size), and the upgrade gate.
 *
 * The gate refuses in two ways. Refusals for capacity or rate (too many attempts or connections
 * from one address 429, document full or too many documents loaded 503, shutting down 503) and a
 * foreign Origin (403) are HTTP statuses before the handshake: no socket exists. Refusals a client
 * must act on (no or bad token 4401, document not granted 4403, token expired 4440, invalid
 * document name 4404) complete the handshake and close at once with the code, because a browser
 * cannot read the status of a refused WebSocket handshake but can read a close code. Nothing is
 * read from such a socket and no document is loaded for it.
 */
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { CloseCode, closeReason } from '../../shared/close-codes.js';
import { TANDEM_PARAM } from '../../shared/protocol.js';
import { documentNameFromPath } from '../../shared/document-name.js';
import type { Limits } from '../../shared/limits.js';
import { OPEN_ACCESS, Refusal, type Authorizer, type ConnectionAccess } from '../connection/auth.js';
import { CLOSE_GRACE_MS, Connection, type ConnectionContext } from '../connection/connection.js';
import type { LimitName, ServerMetrics } from '../observability/metrics.js';
import type { RoomRegistry } from '../rooms/registry.js';
import { AttemptLimiter } from './attempts.js';
import { addressKey, clientAddress } from './client-address.js';
import { serveStatic } from './static-files.js';
import type { WebSocketAcceptor } from './ws-adapter.js';

/** What the HTTP layer needs from the server. */
export interface HttpContext extends ConnectionContext {
  readonly registry: RoomRegistry;
  readonly metrics: ServerMetrics;
  readonly limits: Limits;
  readonly acceptor: WebSocketAcceptor;
  readonly staticDir: string | null;
  /** Verifies tokens; null in open mode. */
  readonly authorizer: Authorizer | null;
  /** Serialised origins browsers may connect from; null allows any. */
  readonly allowedOrigins: ReadonlySet<string> | null;
  /** Take the client address from X-Forwarded-For (see client-address.ts). */
  readonly trustProxy: boolean;
  /** True while storage is open and the server is not shutting down. */
  isReady(): boolean;
  /**
   * True while what the server depends on answers (the database, the cluster fan-out). `/readyz`
   * reports it so a load balancer sends new clients elsewhere; connections are still accepted,
   * since every instance may be cut off at once and serving alone beats serving nobody.
   */
  dependenciesReady?(): boolean;
  /** Answers requests under /api/ (server/api/documents.ts); null answers them 404. */
  readonly api: ((request: IncomingMessage, response: ServerResponse, pathname: string, query: URLSearchParams) => void) | null;
}

/** A request target split into its path and query. */
export interface RequestTarget {
  pathname: string;
  searchParams: URLSearchParams;
}

/**
 * Splits a request target without resolving it as a URL: `new URL('//x', base)` reads `//x` as a
 * host and throws on `//`, and whatever a client sends must never throw here.
 */
export function parseTarget(target: string | undefined): RequestTarget {
  const raw = target ?? '/';
  const query = raw.indexOf('?');
  return {
    pathname: query === -1 ? raw : raw.slice(0, query),
    searchParams: new URLSearchParams(query === -1 ? '' : raw.slice(query + 1)),
  };
}

/** The routes answered over plain HTTP. */
export function createRequestHandler(context: HttpContext): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const { pathname, searchParams } = parseTarget(request.url);
    if (context.api !== null && pathname.startsWith('/api/')) return context.api(request, response, pathname, searchParams);
    switch (pathname) {
      case '/healthz':
        reply(response, 200, 'text/plain; charset=utf-8', 'ok\n');
        return;
      case '/readyz': {
        const ready = context.isReady() && (context.dependenciesReady?.() ?? true);
        reply(response, ready ? 200 : 503, 'text/plain; charset=utf-8', ready ? 'ready\n' : 'not ready\n');
        return;
      }
      case '/metrics':
        context.metrics.render().then(
          (text) => reply(response, 200, context.metrics.registry.contentType, text),
          (error: unknown) => {
            context.logger.error({ err: error }, 'rendering metrics failed');
            reply(response, 500, 'text/plain; charset=utf-8', 'metrics failed\n');
          },
        );
        return;
      default:
        if (context.staticDir !== null && (request.method === 'GET' || request.method === 'HEAD')) {
          serveStatic(context.staticDir, pathname, request, response);
          return;
        }
        reply(response, 404, 'text/plain; charset=utf-8', 'not found\n');
    }
  };
}

function reply(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  response.end(body);
}

/**
 * Node's own defences against slow and bloated requests, from the limits: the headers deadline
 * (slowloris) and the header size. The deadline is checked every second at most (Node's default
 * of 30 s would let a slow client stay four times as long as it may).
 */
export function requestLimits(limits: Limits): ServerOptions {
  return {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.handshakeTimeoutMs,
    // Node refuses a request deadline shorter than the headers deadline; 300 s is its default.
    requestTimeout: Math.max(limits.handshakeTimeoutMs, 300_000),
    connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(limits.handshakeTimeoutMs / 4))),
  };
}

/**
 * Request-level errors that a limit caused: the limit they count against, and the status to
 * answer with (null when no HTTP can be spoken: a TLS handshake that never finished).
 */
const LIMIT_ERRORS: Readonly<Record<string, { status: number | null; limit: LimitName }>> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, limit: 'handshake_timeout_ms' },
  ERR_TLS_HANDSHAKE_TIMEOUT: { status: null, limit: 'handshake_timeout_ms' },
  HPE_HEADER_OVERFLOW: { status: 431, limit: 'max_header_bytes' },
};

/**
 * Handles what Node reports as `clientError` (https servers report TLS failures there too):
 * counts the limit hit, answers a malformed, oversized or too slow HTTP request with its status,
 * and drops the socket otherwise. A socket that has already answered something gets no status:
 * it might land in the middle of that answer.
 */
export function handleClientErrors(server: Server, metrics: ServerMetrics): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex & { bytesWritten?: number }) => {
    const code = error.code ?? '';
    const known = LIMIT_ERRORS[code];
    if (known !== undefined) metrics.limitHit(known.limit);
    const status = known === undefined ? (code.startsWith('HPE_') ? 400 : null) : known.status;
    if (status === null || !socket.writable || (socket.bytesWritten ?? 0) > 0) {
      socket.destroy();
      return;
    }
    refuse(socket, status);
  });
}

/** Refuses an upgrade with an HTTP status on the raw socket. */
function refuse(socket: Duplex, status: number): void {
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** One upgrade on its way through the gate: where it comes from and what it holds. */
interface Attempt {
  readonly request: IncomingMessage;
  readonly socket: Duplex;
  readonly head: Buffer;
  readonly address: string;
  /** The per-address counting key (see client-address.ts). */
  readonly key: string;
  /** The document whose per-document count this attempt holds, once it holds one. */
  room: string | null;
  /** Set once a {@link Connection} owns the socket; until then closing the socket gives the counts back. */
  handedOver: boolean;
}

/**
 * Admits WebSocket upgrades within the connection limits and tracks the open connections (for
 * the heartbeat, the limits and shutdown).
 */
export class UpgradeGate {
  private readonly open = new Set<Connection>();
  private readonly perIp = new Map<string, number>();
  private readonly perRoom = new Map<string, number>();
  /** Sockets opened only to be closed with a code; dropped at shutdown if still open. */
  private readonly refusing = new Set<() => void>();
  private readonly attempts: AttemptLimiter;
  private nextId = 1;
  private closing = false;
  private drained: (() => void) | null = null;

  constructor(private readonly context: HttpContext) {
    this.attempts = new AttemptLimiter(context.limits.connectionAttemptsPerMinute);
  }

  /** The open connections. */
  get connections(): ReadonlySet<Connection> {
    return this.open;
  }

  /** Connections to `name`, including those still being admitted. */
  clientsOf(name: string): number {
    return this.perRoom.get(name) ?? 0;
  }

  /** Closes every connection to `name` with 4410: the document was deleted. */
  closeDocument(name: string): void {
    for (const connection of this.open) {
      if (connection.documentName === name) connection.evict(CloseCode.DocumentDeleted, 'document_deleted');
    }
  }

  /** Handles one `upgrade` event of the HTTP server. */
  handle(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { limits, metrics } = this.context;
    const address = clientAddress(request, this.context.trustProxy);
    const key = addressKey(address);
    if (this.closing || !this.context.isReady()) return refuse(socket, 503);
    if (!this.attempts.admit(key)) return this.deny(socket, 429, 'connection_attempts_per_minute');
    if (!this.originAllowed(request.headers.origin)) {
      metrics.refused('origin');
      this.context.logger.info({ ip: address, origin: request.headers.origin }, 'upgrade refused: origin not allowed');
      return refuse(socket, 403);
    }
    if ((this.perIp.get(key) ?? 0) >= limits.maxConnectionsPerIp) return this.deny(socket, 429, 'max_connections_per_ip');
    const attempt: Attempt = { request, socket, head, address, key, room: null, handedOver: false };
    adjust(this.perIp, key, 1);
    // Until a connection owns the socket (verification is asynchronous, and the handshake may
    // still fail on bad headers or a reset), closing the socket gives the counts back.
    socket.once('close', () => {
      if (!attempt.handedOver) this.release(attempt);
    });
    socket.on('error', () => socket.destroy());
    const url = parseTarget(request.url);
    const documentName = documentNameFromPath(url.pathname);
    if (documentName === null) return this.refuseWithCode(attempt, new Refusal(CloseCode.InvalidDocumentName, 'invalid_name'));
    const tandem = url.searchParams.has(TANDEM_PARAM);
    const authorizer = this.context.authorizer;
    if (authorizer === null) return this.admit(attempt, documentName, tandem, OPEN_ACCESS);
    authorizer.authorize(url.searchParams.get('token'), documentName).then(
      (access) => {
        if (!socket.destroyed) this.admit(attempt, documentName, tandem, access);
      },
      (error: unknown) => {
        if (socket.destroyed) return;
        if (error instanceof Refusal) return this.refuseWithCode(attempt, error);
        this.context.logger.error({ err: error, ip: address }, 'verifying a token failed');
        refuse(socket, 500);
      },
    );
  }

  /**
   * Refuses every further upgrade and closes the open connections with 1001; resolves when all
   * have closed (a peer that does not answer is dropped after the close grace).
   */
  shutdown(): Promise<void> {
    this.closing = true;
    for (const terminate of this.refusing) terminate();
    const drained = new Promise<void>((resolve) => {
      this.drained = resolve;
    });
    for (const connection of this.open) connection.shutdown();
    if (this.open.size === 0) return Promise.resolve();
    return drained;
  }

  private deny(socket: Duplex, status: number, limit: LimitName): void {
    this.context.metrics.limitHit(limit);
    refuse(socket, status);
  }

  private originAllowed(origin: string | undefined): boolean {
    const allowed = this.context.allowedOrigins;
    // No Origin header: not a browser, so not a page from another site borrowing a visitor's browser.
    return allowed === null || origin === undefined || allowed.has(origin);
  }

  /** The last checks (they depend on the document, and capacity may have changed while a token was verified), then the handshake. */
  private admit(attempt: Attempt, documentName: string, tandem: boolean, access: ConnectionAccess): void {
    const { registry, limits } = this.context;
    if (this.closing) return refuse(attempt.socket, 503);
    if ((this.perRoom.get(documentName) ?? 0) >= limits.maxConnectionsPerRoom) return this.deny(attempt.socket, 503, 'max_connections_per_room');
    if (!registry.has(documentName) && registry.size >= limits.maxLoadedRooms) return this.deny(attempt.socket, 503, 'max_loaded_rooms');
    adjust(this.perRoom, documentName, 1);
    attempt.room = documentName;
    const params = {
      id: this.nextId++,
      documentName,
      ip: attempt.address,
      tandem,
      access,
      onClosed: (connection: Connection) => {
        this.open.delete(connection);
        this.release(attempt);
        if (this.open.size === 0) this.drained?.();
      },
    };
    this.context.acceptor.accept(attempt.request, attempt.socket, attempt.head, (peer) => {
      attempt.handedOver = true;
      const connection = new Connection(peer, params, this.context);
      this.open.add(connection);
      return connection;
    });
  }

  /** Completes the handshake only to close with the refusal's code; reads nothing, loads nothing. */
  private refuseWithCode(attempt: Attempt, refusal: Refusal): void {
    this.context.metrics.refused(refusal.reason);
    this.context.logger.info({ ip: attempt.address, url: attempt.request.url?.split('?')[0], reason: refusal.reason }, 'upgrade refused');
    this.context.acceptor.accept(attempt.request, attempt.socket, attempt.head, (peer) => {
      peer.close(refusal.code, closeReason[refusal.code]);
      const terminate = (): void => peer.terminate();
      const timer = setTimeout(terminate, CLOSE_GRACE_MS);
      this.refusing.add(terminate);
      return {
        onMessage: () => undefined,
        onPong: () => undefined,
        onClose: () => {
          clearTimeout(timer);
          this.refusing.delete(terminate);
        },
      };
    });
  }

  /** Gives back the counts an attempt holds. */
  private release(attempt: Attempt): void {
    adjust(this.perIp, attempt.key, -1);
    if (attempt.room !== null) adjust(this.perRoom, attempt.room, -1);
  }
}

function adjust(counts: Map<string, number>, key: string, delta: number): void {
  const next = (counts.get(key) ?? 0) + delta;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}
