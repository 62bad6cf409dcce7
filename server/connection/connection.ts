/**
 * One WebSocket connection to one document: ordered message handling (frames that arrive while
 * the room loads are queued and handled in order once it has), rate limits, sending with
 * backpressure, heartbeat, and the one place where a failure closes the socket.
 */
import { CloseCode, closeReason } from '../../shared/close-codes.js';
import type { Limits } from '../../shared/limits.js';
import { encodeAccess, MessageType } from '../../shared/protocol.js';
import type { Logger } from '../observability/logger.js';
import type { DropName, LimitName, ServerMetrics } from '../observability/metrics.js';
import { ConnectionError, type ConnectionErrorReason } from '../wire/errors.js';
import { routeFrame, type RoutedMember } from '../protocol/router.js';
import { connectionOrigin, type ConnectionOrigin } from '../yjs/origins.js';
import { DocumentDeletedError, type RoomRegistry } from '../rooms/registry.js';
import type { EvictionReason, Room } from '../rooms/room.js';
import { StoreFailingError } from '../storage/store.js';
import type { ConnectionAccess } from './auth.js';
import { RateGuard } from './guards.js';
import { SaveAcks } from './save-acks.js';
import type { PeerEvents, PeerSocket } from './socket.js';

/** What every connection of a server shares. */
export interface ConnectionContext {
  readonly registry: RoomRegistry;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  readonly limits: Limits;
}

/** What the upgrade gate decided about one connection. */
export interface ConnectionParams {
  readonly id: number;
  readonly documentName: string;
  readonly ip: string;
  /** The client opted into Tandem's extras (`?tandem=1`): it is told its access and gets durable-save acks. */
  readonly tandem: boolean;
  /** What its token lets it do ({@link OPEN_ACCESS} in open mode). */
  readonly access: ConnectionAccess;
  /** Called once, after the socket closed and the connection left its room. */
  readonly onClosed: (connection: Connection) => void;
}

/**
 * How long a closing handshake we started may take before the socket is dropped. A slow consumer
 * may never read the close frame; its unsent bytes must not outlive the decision by long.
 */
export const CLOSE_GRACE_MS = 2_000;

/**
 * How often a connection that was sent nothing is sent a keepalive. A stock y-websocket client
 * that receives no message for 30 s reconnects, and peers are not echoed their own changes, so a
 * lone writer would otherwise hear nothing. Pings do not count: browsers hide them from pages.
 */
export const KEEPALIVE_INTERVAL_MS = 10_000;

/** An awareness update with no entries: `[Awareness, length 1, count 0]`. Every client ignores it. */
const KEEPALIVE_FRAME = Uint8Array.of(MessageType.Awareness, 1, 0);

/** Longest delay `setTimeout` keeps (about 24.8 days); a later token expiry is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type State =
  | { readonly kind: 'joining'; readonly queue: Uint8Array[] }
  | { readonly kind: 'open'; readonly room: Room }
  /**
   * The server is shutting down and sent 1001, but frames the client sent before it saw that are
   * still arriving: they are applied (so a graceful stop loses no edit) and nothing is sent.
   */
  | { readonly kind: 'draining'; readonly room: Room }
  | { readonly kind: 'closing' }
  | { readonly kind: 'closed' };

/** Which refusals are limit hits (the rest count as bad messages or plain closes). */
const LIMIT_OF_REASON: Partial<Record<ConnectionErrorReason, LimitName>> = {
  message_rate: 'messages_per_second',
  awareness_rate: 'awareness_updates_per_second',
  byte_rate: 'bytes_per_second',
  slow_consumer: 'max_unsent_bytes',
  awareness_state_too_large: 'max_awareness_state_bytes',
  awareness_too_many_clients: 'max_awareness_clients_per_connection',
};

const BAD_INPUT_REASONS: ReadonlySet<ConnectionErrorReason> = new Set<ConnectionErrorReason>([
  'not_binary',
  'undecodable',
  'trailing_bytes',
  'unknown_message_type',
  'update_rejected',
  'awareness_state_invalid',
]);

/** One socket joined to one document. */
export class Connection implements RoutedMember, PeerEvents {
  readonly origin: ConnectionOrigin;
  private state: State = { kind: 'joining', queue: [] };
  private awaitingPong = false;
  private sentSinceKeepalive = false;
  private sentCloseCode: number | null = null;
  private closeTimer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private readonly rate: RateGuard;
  private readonly acks: SaveAcks | null;
  private logger: Logger | null = null;

  constructor(
    private readonly socket: PeerSocket,
    private readonly params: ConnectionParams,
    private readonly context: ConnectionContext,
  ) {
    this.origin = connectionOrigin(params.id);
    this.rate = new RateGuard(context.limits);
    this.acks = params.tandem
      ? new SaveAcks(
          (frame) => this.send(frame),
          () => this.closeWith(CloseCode.InternalError, 'storage_failed'),
        )
      : null;
    context.metrics.connections.inc();
    if (context.logger.isLevelEnabled('debug')) this.log.debug({ ip: params.ip, user: params.access.userId, write: params.access.write }, 'connection opened');
    if (params.access.expiresAt !== null) this.closeAtExpiry(params.access.expiresAt);
    void this.join();
  }

  /** The document this connection edits. */
  get documentName(): string {
    return this.params.documentName;
  }

  /** What this connection's token lets it do. */
  get access(): ConnectionAccess {
    return this.params.access;
  }

  /** The token's user, or in open mode the client's address: who may take back its presence ids. */
  get presenceClaim(): string {
    const { access, ip } = this.params;
    return access.userId === null ? `address:${ip}` : `user:${access.userId}`;
  }

  dropped(reason: DropName): void {
    this.context.metrics.dropped(reason);
  }

  /** This connection's logger, made on first use: most connections never log, and each costs memory. */
  private get log(): Logger {
    this.logger ??= this.context.logger.child({ connection: this.params.id, room: this.params.documentName });
    return this.logger;
  }

  onMessage(frame: Uint8Array, binary: boolean): void {
    const state = this.state;
    if (state.kind === 'closing' || state.kind === 'closed') return;
    this.context.metrics.received(frame);
    try {
      if (!binary) throw new ConnectionError(CloseCode.BadMessage, 'not_binary');
      this.rate.admit(frame.length);
      if (frame[0] === MessageType.Awareness) this.rate.admitPresence();
      if (state.kind === 'joining') state.queue.push(frame);
      else this.handle(frame, state.room);
    } catch (error) {
      this.fail(error);
    }
  }

  onPong(): void {
    this.awaitingPong = false;
  }

  onClose(code: number): void {
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    this.leaveRoom();
    this.state = { kind: 'closed' };
    const { metrics } = this.context;
    metrics.connections.dec();
    metrics.closed(this.sentCloseCode ?? code);
    if (this.context.logger.isLevelEnabled('debug')) this.log.debug({ code: this.sentCloseCode ?? code, user: this.params.access.userId }, 'connection closed');
    this.params.onClosed(this);
  }

  send(frame: Uint8Array): void {
    if (this.state.kind !== 'open') return;
    this.socket.send(frame);
    this.sentSinceKeepalive = true;
    this.context.metrics.sent(frame);
    if (this.socket.bufferedAmount > this.context.limits.maxUnsentBytes) {
      this.fail(new ConnectionError(CloseCode.TryAgainLater, 'slow_consumer'));
    }
  }

  evict(code: CloseCode, reason: EvictionReason): void {
    this.closeWith(code, reason);
  }

  /**
   * One heartbeat tick: a connection that has not answered the previous ping is dropped (its
   * presence goes with it); otherwise it is pinged again.
   */
  heartbeat(): void {
    if (this.state.kind === 'closed') return;
    if (this.awaitingPong) {
      this.log.info('no pong within one heartbeat interval');
      this.sentCloseCode = CloseCode.HeartbeatTimeout;
      this.leaveRoom();
      this.state = { kind: 'closing' };
      this.socket.terminate();
      return;
    }
    this.awaitingPong = true;
    this.socket.ping();
  }

  /** One keepalive tick: sends {@link KEEPALIVE_FRAME} if nothing else was sent since the last. */
  keepalive(): void {
    if (!this.sentSinceKeepalive) this.send(KEEPALIVE_FRAME);
    this.sentSinceKeepalive = false;
  }

  /** Closes with 1001 because the server is shutting down, still applying what is in flight. */
  shutdown(): void {
    const state = this.state;
    if (state.kind !== 'open') {
      this.closeWith(CloseCode.GoingAway, 'shutdown');
      return;
    }
    this.log.debug({ code: CloseCode.GoingAway }, 'draining');
    this.state = { kind: 'draining', room: state.room };
    this.sentCloseCode = CloseCode.GoingAway;
    this.socket.close(CloseCode.GoingAway, closeReason[CloseCode.GoingAway]);
    this.closeTimer = setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS);
  }

  /** Closes with 4440 when the token expires: the client fetches a new one and reconnects. */
  private closeAtExpiry(expiresAt: number): void {
    const delay = expiresAt - Date.now();
    this.expiryTimer = setTimeout(
      () => {
        this.expiryTimer = null;
        if (Date.now() < expiresAt) this.closeAtExpiry(expiresAt);
        else this.closeWith(CloseCode.TokenExpired, 'token_expired');
      },
      Math.min(Math.max(delay, 0), MAX_TIMER_MS),
    );
  }

  private async join(): Promise<void> {
    let room: Room;
    try {
      room = await this.context.registry.acquire(this.params.documentName);
    } catch (error) {
      this.fail(loadFailure(error));
      return;
    }
    const state = this.state;
    if (state.kind !== 'joining') {
      // Closed while the room loaded: the room may now be empty with nobody to release it.
      this.context.registry.release(room);
      return;
    }
    this.state = { kind: 'open', room };
    if (this.params.tandem) this.send(encodeAccess(this.params.access.write));
    room.join(this);
    for (const frame of state.queue) {
      if (this.state.kind !== 'open') return;
      try {
        this.handle(frame, room);
      } catch (error) {
        this.fail(error);
      }
    }
  }

  private handle(frame: Uint8Array, room: Room): void {
    const durable = routeFrame(frame, this, room);
    if (durable !== null && this.acks !== null) this.acks.track(durable);
  }

  /** The one catch: every failure of this connection ends here. */
  private fail(error: unknown): void {
    if (!(error instanceof ConnectionError)) {
      this.log.error({ err: error }, 'unexpected error handling a connection');
      this.closeWith(CloseCode.InternalError, 'internal');
      return;
    }
    const { metrics } = this.context;
    const limit = LIMIT_OF_REASON[error.reason];
    if (limit !== undefined) metrics.limitHit(limit);
    if (BAD_INPUT_REASONS.has(error.reason)) metrics.badMessage(error.reason);
    this.log.warn({ reason: error.reason, code: error.code, cause: describe(error.cause) }, 'closing connection');
    this.closeWith(error.code, error.reason);
  }

  private closeWith(code: CloseCode, why: string): void {
    if (this.state.kind === 'closing' || this.state.kind === 'closed') return;
    this.log.debug({ code, why }, 'close');
    if (this.state.kind === 'draining') {
      // The 1001 close frame is already on its way; stop applying what follows.
      this.leaveRoom();
      this.state = { kind: 'closing' };
      return;
    }
    this.leaveRoom();
    this.state = { kind: 'closing' };
    this.sentCloseCode = code;
    this.socket.close(code, closeReason[code]);
    this.closeTimer = setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS);
  }

  private leaveRoom(): void {
    const state = this.state;
    switch (state.kind) {
      case 'open':
      case 'draining':
        state.room.leave(this);
        this.context.registry.release(state.room);
        return;
      case 'joining':
      case 'closing':
      case 'closed':
        return;
      default:
        state satisfies never;
    }
  }
}

function describe(cause: unknown): string | undefined {
  return cause instanceof Error ? cause.message : undefined;
}

/** How a connection whose room could not be loaded is closed. */
function loadFailure(error: unknown): ConnectionError {
  // A deleted document stays deleted for a while: the client must not write it back.
  if (error instanceof DocumentDeletedError) return new ConnectionError(CloseCode.DocumentDeleted, 'document_deleted', { cause: error });
  // A store that is failing heals by itself: the client is to come back later, not to loop.
  if (error instanceof StoreFailingError) return new ConnectionError(CloseCode.TryAgainLater, 'storage_failing', { cause: error });
  return new ConnectionError(CloseCode.InternalError, 'room_load_failed', { cause: error });
}
