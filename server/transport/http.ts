/**
 * HTTP: the operational routes, the demo app, and the upgrade gate. The gate decides before the
 * WebSocket handshake completes, so a refused client gets an HTTP status, never a socket:
 * invalid document name 404, too many connections from one address 429, document full or too
 * many documents loaded 503, shutting down 503.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { TANDEM_PARAM } from '../../shared/protocol.js';
import { documentNameFromPath } from '../../shared/document-name.js';
import type { Limits } from '../../shared/limits.js';
import { Connection, type ConnectionContext } from '../connection/connection.js';
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
  /** True while storage is open and the server is not shutting down. */
  isReady(): boolean;
}

/** The routes answered over plain HTTP. */
export function createRequestHandler(context: HttpContext): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    switch (pathname) {
      case '/healthz':
        reply(response, 200, 'text/plain; charset=utf-8', 'ok\n');
        return;
      case '/readyz': {
        const ready = context.isReady();
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

/** Refuses an upgrade with an HTTP status on the raw socket. */
function refuse(socket: Duplex, status: number): void {
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * Admits WebSocket upgrades within the connection limits and tracks the open connections (for
 * the heartbeat, the limits and shutdown).
 */
export class UpgradeGate {
  private readonly open = new Set<Connection>();
  private readonly perIp = new Map<string, number>();
  private readonly perRoom = new Map<string, number>();
  private nextId = 1;
  private closing = false;
  private drained: (() => void) | null = null;

  constructor(private readonly context: HttpContext) {}

  /** The open connections. */
  get connections(): ReadonlySet<Connection> {
    return this.open;
  }

  /** Handles one `upgrade` event of the HTTP server. */
  handle(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { registry, limits, metrics } = this.context;
    const url = new URL(request.url ?? '/', 'http://localhost');
    const documentName = documentNameFromPath(url.pathname);
    const ip = request.socket.remoteAddress ?? 'unknown';
    const deny = (status: number, limit: LimitName | null): void => {
      if (limit !== null) metrics.limitHit(limit);
      refuse(socket, status);
    };
    if (this.closing || !this.context.isReady()) return deny(503, null);
    if (documentName === null) return deny(404, null);
    if ((this.perIp.get(ip) ?? 0) >= limits.maxConnectionsPerIp) return deny(429, 'max_connections_per_ip');
    if ((this.perRoom.get(documentName) ?? 0) >= limits.maxConnectionsPerRoom) return deny(503, 'max_connections_per_room');
    if (!registry.has(documentName) && registry.size >= limits.maxLoadedRooms) return deny(503, 'max_loaded_rooms');
    adjust(this.perIp, ip, 1);
    adjust(this.perRoom, documentName, 1);
    const params = {
      id: this.nextId++,
      documentName,
      ip,
      tandem: url.searchParams.has(TANDEM_PARAM),
      onClosed: (connection: Connection) => {
        this.open.delete(connection);
        adjust(this.perIp, ip, -1);
        adjust(this.perRoom, documentName, -1);
        if (this.open.size === 0) this.drained?.();
      },
    };
    // The handshake may still fail (bad headers, a reset): the counts are only taken back by
    // onClosed, so they are taken back here if no connection ever opens.
    let opened = false;
    socket.once('close', () => {
      if (opened) return;
      adjust(this.perIp, ip, -1);
      adjust(this.perRoom, documentName, -1);
    });
    this.context.acceptor.accept(request, socket, head, (peer) => {
      opened = true;
      const connection = new Connection(peer, params, this.context);
      this.open.add(connection);
      return connection;
    });
  }

  /**
   * Refuses every further upgrade and closes the open connections with 1001; resolves when all
   * have closed (a peer that does not answer is dropped after the close grace).
   */
  shutdown(): Promise<void> {
    this.closing = true;
    const drained = new Promise<void>((resolve) => {
      this.drained = resolve;
    });
    for (const connection of this.open) connection.shutdown();
    if (this.open.size === 0) return Promise.resolve();
    return drained;
  }
}

function adjust(counts: Map<string, number>, key: string, delta: number): void {
  const next = (counts.get(key) ?? 0) + delta;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}
