/**
 * The upgrade gate: decides about each WebSocket upgrade and tracks the open connections (for the
 * heartbeat, the limits and shutdown).
 *
 * It refuses in two ways. Refusals for capacity or rate (too many attempts or connections from one
 * address 429, document full or too many documents loaded 503, shutting down 503) and a foreign
 * Origin (403) are HTTP statuses before the handshake: no socket exists. Refusals a client must act
 * on (no or bad token 4401, document not granted 4403, token expired 4440, invalid document name
 * 4404) complete the handshake and close at once with the code, because a browser cannot read the
 * status of a refused WebSocket handshake but can read a close code. Nothing is read from such a
 * socket and no document is loaded for it.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, closeReason } from '../../shared/close-codes.js';
import { documentNameFromPath } from '../../shared/document-name.js';
import { TANDEM_PARAM } from '../../shared/protocol.js';
import { OPEN_ACCESS, Refusal, type ConnectionAccess } from '../connection/auth.js';
import { CLOSE_GRACE_MS, Connection } from '../connection/connection.js';
import type { LimitName } from '../observability/metrics.js';
import { AttemptLimiter } from './attempts.js';
import { addressKey, clientAddress } from './client-address.js';
import { parseTarget, refuse, type HttpContext } from './http.js';

/**
 * The counts one upgrade holds: an address's connection, and a document's once admitted. It is
 * all that outlives the handshake: what gives the counts back refers to this, not to the
 * {@link Attempt}, whose request (headers and all) would otherwise stay in memory as long as the
 * connection (1.5 KB or more of each idle connection's heap).
 */
interface Claim {
  /** The per-address counting key (see client-address.ts). */
  readonly key: string;
  /** The document whose per-document count this claim holds, once it holds one. */
  room: string | null;
  /** Set once a {@link Connection} owns the socket; until then closing the socket gives the counts back. */
  handedOver: boolean;
}

/** One upgrade on its way through the gate: where it comes from and what it holds. */
interface Attempt {
  readonly request: IncomingMessage;
  readonly socket: Duplex;
  readonly head: Buffer;
  readonly address: string;
  readonly claim: Claim;
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

  /** True when `request` asks for a document under this server's base path (see {@link HttpContext.basePath}). */
  owns(request: IncomingMessage): boolean {
    const base = this.context.basePath ?? '';
    return base === '' || parseTarget(request.url).pathname.startsWith(`${base}/`);
  }

  /** Handles one `upgrade` event of the HTTP server (under the base path: see {@link owns}). */
  handle(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { limits, metrics } = this.context;
    const address = clientAddress(request, this.context.trustProxy);
    const key = addressKey(address);
    if (!this.owns(request)) return refuse(socket, 404);
    if (this.closing || !this.context.isReady()) return refuse(socket, 503);
    if (!this.attempts.admit(key)) return this.deny(socket, 429, 'connection_attempts_per_minute');
    if (!this.originAllowed(request.headers.origin)) {
      metrics.refused('origin');
      this.context.logger.info({ ip: address, origin: request.headers.origin }, 'upgrade refused: origin not allowed');
      return refuse(socket, 403);
    }
    if ((this.perIp.get(key) ?? 0) >= limits.maxConnectionsPerIp) return this.deny(socket, 429, 'max_connections_per_ip');
    const attempt: Attempt = { request, socket, head, address, claim: { key, room: null, handedOver: false } };
    adjust(this.perIp, key, 1);
    this.watchSocket(socket, attempt.claim);
    const url = parseTarget(request.url);
    const documentName = documentNameFromPath(url.pathname.slice(this.context.basePath?.length ?? 0));
    if (documentName === null) return this.refuseWithCode(attempt, new Refusal(CloseCode.InvalidDocumentName, 'invalid_name'));
    const tandem = url.searchParams.has(TANDEM_PARAM);
    const authorizer = this.context.authorizer;
    if (authorizer === null) return this.admit(attempt, documentName, tandem, OPEN_ACCESS);
    authorizer.authorize(url.searchParams.get('token'), documentName, request).then(
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
    const { claim } = attempt;
    claim.room = documentName;
    const params = { id: this.nextId++, documentName, ip: attempt.address, tandem, access, onClosed: this.onClosed(claim, documentName, access) };
    this.context.acceptor.accept(attempt.request, attempt.socket, attempt.head, (peer) => {
      claim.handedOver = true;
      const connection = new Connection(peer, params, this.context);
      this.open.add(connection);
      this.context.hooks?.notify('onConnect', { documentName, user: access.user, access: access.write ? 'write' : 'read' });
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

  /**
   * The socket's own listeners: an error destroys it, and until a connection owns it
   * (verification is asynchronous, and the handshake may still fail on bad headers or a reset),
   * closing it gives the counts back. A function of its own, so that these listeners, which live
   * as long as the socket, hold the socket and the claim and not the request that
   * {@link handle}'s other closures share.
   */
  private watchSocket(socket: Duplex, claim: Claim): void {
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      if (!claim.handedOver) this.release(claim);
    });
  }

  /** What a connection calls once closed; like the listener above, it holds only what it needs. */
  private onClosed(claim: Claim, documentName: string, access: ConnectionAccess): (connection: Connection) => void {
    return (connection) => {
      this.open.delete(connection);
      this.release(claim);
      if (this.open.size === 0) this.drained?.();
      this.context.hooks?.notify('onDisconnect', { documentName, user: access.user });
    };
  }

  /** Gives back the counts a claim holds. */
  private release(claim: Claim): void {
    adjust(this.perIp, claim.key, -1);
    if (claim.room === null) return;
    adjust(this.perRoom, claim.room, -1);
    if (!this.perRoom.has(claim.room)) this.context.roomEmpty?.(claim.room);
  }
}

function adjust(counts: Map<string, number>, key: string, delta: number): void {
  const next = (counts.get(key) ?? 0) + delta;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}
