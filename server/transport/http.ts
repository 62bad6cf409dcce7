/**
 * HTTP: the operational routes, the demo app, and the limits on requests themselves (headers
 * deadline and size, see {@link requestLimits}). WebSocket upgrades go to the gate
 * (upgrade-gate.ts).
 */
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import type { Limits } from '../../shared/limits.js';
import type { Authorizer } from '../connection/auth.js';
import type { HookRunner } from '../embedding/hooks.js';
import type { ConnectionContext } from '../connection/connection.js';
import type { LimitName, ServerMetrics } from '../observability/metrics.js';
import type { RoomRegistry } from '../rooms/registry.js';
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
   * Null while what the server depends on answers (storage, the cluster fan-out); otherwise what
   * does not, in words for the operator. `/readyz` reports it so a load balancer sends new
   * clients elsewhere; connections are still accepted, since every instance may be cut off at
   * once and serving alone beats serving nobody.
   */
  failingDependency?(): string | null;
  /** The app's lifecycle hooks (onConnect, onDisconnect); absent when it gave none. */
  readonly hooks?: HookRunner;
  /**
   * Where documents live under the server's URL space: '' for `/<name>`, '/collab' for
   * `/collab/<name>`. Upgrades elsewhere are not Tandem's.
   */
  readonly basePath?: string;
  /** Told when the last connection to a document closed. */
  roomEmpty?(name: string): void;
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

/**
 * The routes answered over plain HTTP. A request for none of them goes to `next` when given (a
 * handler mounted in Express or Connect), else gets 404.
 */
export function createRequestHandler(context: HttpContext): (request: IncomingMessage, response: ServerResponse, next?: () => void) => void {
  return (request, response, next) => {
    const { pathname, searchParams } = parseTarget(request.url);
    if (context.api !== null && pathname.startsWith('/api/')) return context.api(request, response, pathname, searchParams);
    switch (pathname) {
      case '/healthz':
        reply(response, 200, 'text/plain; charset=utf-8', 'ok\n');
        return;
      case '/readyz': {
        const failing = context.isReady() ? (context.failingDependency?.() ?? null) : 'shutting down';
        reply(response, failing === null ? 200 : 503, 'text/plain; charset=utf-8', failing === null ? 'ready\n' : `not ready: ${failing}\n`);
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
        if (next !== undefined) return next();
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

/** Answers a request (an upgrade or one Node could not parse) with a bare HTTP status on its raw socket, and closes it. */
export function refuse(socket: Duplex, status: number): void {
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
