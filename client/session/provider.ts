/**
 * The connection of one document to a Tandem server: a y-websocket `WebsocketProvider` (so the
 * wire protocol stays stock), driven by Tandem's own reconnect policy.
 *
 * y-websocket reconnects on its own, with a fixed URL and no jitter. Here every close goes through
 * {@link TandemConnection}: the token is read again (it may be an async function that fetches a
 * fresh one), the delay is jittered and capped, the browser's `online` event retries at once, and
 * a terminal close code (shared/close-codes.ts) stops retrying until a new token arrives.
 *
 * It also says "Offline" as soon as it knows: at the browser's `offline` event, and when the socket
 * went silent and did not answer a Ping (liveness.ts), instead of after y-websocket's 30 s timeout.
 * A token function's JWT is renewed shortly before it expires (token-claims.ts), on a new socket,
 * with the status left as it was; the server's 4440 at expiry stays the fallback.
 *
 * The durable-save acknowledgement is read through the provider's per-instance `messageHandlers`,
 * and the update frames it acknowledges are counted by a WebSocket subclass given to the provider
 * as its `WebSocketPolyfill`, so the two counts refer to the same socket.
 */
import type * as Y from 'yjs';
import type { Awareness } from 'y-protocols/awareness';
import { WebsocketProvider } from 'y-websocket';
import { CloseCode, TERMINAL_CLOSE_CODES } from '../../shared/close-codes.js';
import { MessageType, readAccess, readSaved, TANDEM_PARAM, TANDEM_PROTOCOL_VERSION } from '../../shared/protocol.js';
import { backoffDelay, DEFAULT_BACKOFF_MAX_MS, type BackoffOptions } from './backoff.js';
import { watchLiveness, type LivenessOptions, type LivenessWatch } from './liveness.js';
import { SaveTracker } from './save-tracker.js';
import { sameStatus, type SessionStatus } from './status.js';
import { readTokenClaims, type TokenClaims } from './token-claims.js';

/**
 * A token, or a function returning one; the function is called before every connection attempt,
 * so it can fetch a fresh token. Undefined means no token.
 */
export type TokenSource = string | (() => string | undefined | Promise<string | undefined>);

/** The WebSocket class to use: the browser's by default, `ws` in Node. */
export type WebSocketConstructor = typeof WebSocket;

/** Options of {@link TandemConnection}. */
export interface ConnectionOptions {
  /** The server's WebSocket URL, e.g. `wss://docs.example.com`. */
  serverUrl: string;
  /** The document name (shared/document-name.ts). */
  documentName: string;
  /** Sent as `?token=`; omitted when undefined. */
  token?: TokenSource | undefined;
  /** Sync with other tabs of this browser over BroadcastChannel. Default true. */
  crossTab?: boolean | undefined;
  /** WebSocket implementation; default `globalThis.WebSocket`. */
  WebSocketImpl?: WebSocketConstructor | undefined;
  /** Reconnect delays. */
  backoff?: BackoffOptions | undefined;
  /** How quickly a silent connection is found dead. */
  liveness?: LivenessOptions | undefined;
  /**
   * Renew a token function's JWT shortly before its `exp` (default true). False leaves every
   * renewal to the server's 4440 at expiry, which costs a moment of "Offline".
   */
  renewToken?: boolean | undefined;
  /**
   * The origin of transactions that restore a stored copy (the IndexedDB load): not new local
   * changes. Whether the copy held unsaved ones is told by {@link TandemConnection.restoredUnsaved}.
   */
  restoredOrigin?: unknown;
}

/**
 * Most time, in milliseconds, by which a token is renewed before its `exp`: enough for a slow token
 * endpoint and some clock skew. A short-lived token is renewed after three quarters of its life.
 */
export const TOKEN_RENEW_LEAD_MS = 30_000;

/** Longest delay `setTimeout` keeps (about 24.8 days); a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Where the connection is in its lifecycle. */
type Phase =
  /** `renewing`: replacing a live socket for a fresh token; the status stays what it was. */
  | { readonly name: 'opening'; readonly renewing: boolean }
  | { readonly name: 'live'; readonly renewal: ReturnType<typeof setTimeout> | null }
  | { readonly name: 'waiting'; readonly timer: ReturnType<typeof setTimeout> }
  | { readonly name: 'denied'; readonly code: number; readonly reason: string }
  | { readonly name: 'destroyed' };

/** A WebSocket class that reports each new socket and each frame sent on it. */
function countingWebSocket(Base: WebSocketConstructor, onSocket: () => void, onFrame: (frame: Uint8Array) => void): WebSocketConstructor {
  return class CountingWebSocket extends Base {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      onSocket();
    }

    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      if (data instanceof Uint8Array) onFrame(data);
      super.send(data);
    }
  };
}

/**
 * One document's connection and its truthful status.
 * @example
 * const connection = new TandemConnection(doc, awareness, { serverUrl: 'wss://docs.example.com', documentName: 'notes' });
 * connection.onStatus((status) => console.log(statusLabel(status)));
 */
export class TandemConnection {
  /** The underlying provider; its `ws`, `synced` and events are available for inspection. */
  readonly provider: WebsocketProvider;
  private phase: Phase = { name: 'opening', renewing: false };
  private failures = 0;
  private everLive = false;
  private token: TokenSource | undefined;
  private readonly tracker = new SaveTracker();
  private readonly listeners = new Set<(status: SessionStatus) => void>();
  private canWrite = true;
  private readonly accessListeners = new Set<(readOnly: boolean) => void>();
  private current: SessionStatus = { kind: 'connecting' };
  private readonly backoff: BackoffOptions;
  /** The claims of the token the current socket was opened with. */
  private claims: TokenClaims = readTokenClaims(undefined);
  /** When the token of the current socket was read. */
  private claimsReadAt = 0;
  private readonly claimsListeners = new Set<(claims: TokenClaims) => void>();
  private readonly liveness: LivenessWatch;
  private readonly restoredOrigin: unknown;
  private readonly renewToken: boolean;
  private unsaved = false;
  private readonly unsavedListeners = new Set<(unsaved: boolean) => void>();

  constructor(
    private readonly doc: Y.Doc,
    awareness: Awareness,
    options: ConnectionOptions,
  ) {
    this.token = options.token;
    this.backoff = options.backoff ?? {};
    this.restoredOrigin = options.restoredOrigin;
    this.renewToken = options.renewToken ?? true;
    const Base = options.WebSocketImpl ?? globalThis.WebSocket;
    this.provider = new WebsocketProvider(options.serverUrl, options.documentName, doc, {
      connect: false,
      awareness,
      WebSocketPolyfill: countingWebSocket(
        Base,
        () => this.tracker.socketStarted(),
        (frame) => this.tracker.frameSent(frame),
      ),
      disableBc: options.crossTab === false,
      maxBackoffTime: this.backoff.maxMs ?? DEFAULT_BACKOFF_MAX_MS,
      // Every close is handled by onClose below, which decides whether and when to retry.
      shouldReconnect: () => true,
    });
    this.provider.messageHandlers[MessageType.Saved] = (_encoder, decoder) => {
      this.tracker.savedUpTo(readSaved(decoder));
      this.publish();
    };
    this.provider.messageHandlers[MessageType.Access] = (_encoder, decoder) => {
      const canWrite = readAccess(decoder);
      if (canWrite === this.canWrite) return;
      this.canWrite = canWrite;
      for (const listener of this.accessListeners) listener(!canWrite);
    };
    this.provider.messageHandlers[MessageType.Pong] = () => {
      // Its arrival is the answer: y-websocket stamped the time it was received.
    };
    this.provider.on('connection-close', this.onClose);
    this.provider.on('sync', this.onSync);
    doc.on('update', this.onDocUpdate);
    if (typeof window !== 'undefined') {
      window.addEventListener('online', this.onOnline);
      window.addEventListener('offline', this.onOffline);
    }
    this.liveness = watchLiveness(this.provider, () => this.abandonSocket(), options.liveness);
    void this.open();
  }

  /** The current status. */
  get status(): SessionStatus {
    return this.current;
  }

  /** Calls `listener` on every status change; returns the unsubscribe function. */
  onStatus(listener: (status: SessionStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * True once the server said this connection may only read (its token grants `read`): edits
   * would be dropped, so an editor should not accept them. False until the server says otherwise.
   */
  get readOnly(): boolean {
    return !this.canWrite;
  }

  /** Calls `listener` when {@link readOnly} changes; returns the unsubscribe function. */
  onReadOnly(listener: (readOnly: boolean) => void): () => void {
    this.accessListeners.add(listener);
    return () => this.accessListeners.delete(listener);
  }

  /**
   * Calls `listener` whenever local changes start or stop being unsaved (in any phase, unlike the
   * status, which says nothing about them while connecting); returns the unsubscribe function.
   */
  onUnsavedChange(listener: (unsaved: boolean) => void): () => void {
    this.unsavedListeners.add(listener);
    return () => this.unsavedListeners.delete(listener);
  }

  /** True while some local change is not known to be saved on the server, in any phase. */
  get holdsUnsaved(): boolean {
    return this.unsaved;
  }

  /**
   * The restored copy held changes the server may lack: while no socket is open they count as one
   * unsaved change, which the next socket's sync step 2 carries. On an open socket they already
   * went out (as updates, or in its step 2) in frames the tracker counts.
   */
  restoredUnsaved(): void {
    if (this.socketOpen()) return;
    this.tracker.changeNotSent();
    this.publish();
  }

  /** What the token of the latest connection attempt says (nothing for no token or an opaque one). */
  get tokenClaims(): TokenClaims {
    return this.claims;
  }

  /** Calls `listener` when {@link tokenClaims} changes; returns the unsubscribe function. */
  onTokenClaims(listener: (claims: TokenClaims) => void): () => void {
    this.claimsListeners.add(listener);
    return () => this.claimsListeners.delete(listener);
  }

  /** Uses `token` from the next connection on; after "access denied", reconnects at once. */
  setToken(token: TokenSource | undefined): void {
    this.token = token;
    if (this.phase.name === 'denied') this.reconnect();
  }

  /** Retries now when offline or denied (e.g. a "retry" button). */
  reconnect(): void {
    switch (this.phase.name) {
      case 'waiting':
      case 'denied':
        this.failures = 0;
        void this.open();
        return;
      case 'opening':
      case 'live':
      case 'destroyed':
        return;
      default:
        this.phase satisfies never;
    }
  }

  /** Closes the connection for good. */
  destroy(): void {
    this.leavePhase();
    this.phase = { name: 'destroyed' };
    this.liveness.stop();
    if (typeof window !== 'undefined') {
      window.removeEventListener('online', this.onOnline);
      window.removeEventListener('offline', this.onOffline);
    }
    this.doc.off('update', this.onDocUpdate);
    this.provider.off('connection-close', this.onClose);
    this.provider.off('sync', this.onSync);
    this.provider.destroy();
    this.listeners.clear();
    this.accessListeners.clear();
    this.claimsListeners.clear();
    this.unsavedListeners.clear();
  }

  private async open(): Promise<void> {
    this.enter({ name: 'opening', renewing: false });
    let token: string | undefined;
    try {
      token = typeof this.token === 'function' ? await this.token() : this.token;
    } catch {
      // A token function that fails (e.g. the auth endpoint is unreachable) is retried like a
      // failed connection: the writer keeps editing offline meanwhile.
      if (this.phase.name === 'opening') this.retryLater();
      return;
    }
    if (this.phase.name !== 'opening') return;
    this.connectWith(token);
  }

  private connectWith(token: string | undefined): void {
    const params: Record<string, string> = { [TANDEM_PARAM]: String(TANDEM_PROTOCOL_VERSION) };
    if (token !== undefined) params.token = token;
    this.provider.params = params;
    this.applyClaims(readTokenClaims(token));
    this.provider.connect();
  }

  private applyClaims(claims: TokenClaims): void {
    const before = this.claims;
    this.claims = claims;
    this.claimsReadAt = Date.now();
    if (claims.name === before.name && claims.color === before.color && claims.expiresAt === before.expiresAt) return;
    for (const listener of this.claimsListeners) listener(claims);
  }

  /**
   * When the live socket's token should be replaced, or null when it need not be (or cannot be).
   * A token that this device's clock already calls expired is left to the server's 4440: renewing
   * it ahead of time would reconnect at once, again and again. One that expires beyond what a
   * timer can wait is left to the 4440 too.
   */
  private renewalDelay(): number | null {
    const { expiresAt } = this.claims;
    if (!this.renewToken || expiresAt === null || typeof this.token !== 'function') return null;
    const lifetime = expiresAt - this.claimsReadAt;
    if (lifetime <= 0) return null;
    const delay = Math.max(0, expiresAt - Math.min(TOKEN_RENEW_LEAD_MS, lifetime / 4) - Date.now());
    return delay <= MAX_TIMER_MS ? delay : null;
  }

  /**
   * Fetches the next token and moves to a new socket opened with it, before the server closes the
   * current one at expiry. The status does not change: nothing is lost, and what was unsaved is
   * sent again on the new socket. A token function that fails, or hands back a token that expires
   * no later, leaves the socket alone; the server's 4440 then takes the usual way.
   */
  private async renew(): Promise<void> {
    const expiring = this.claims.expiresAt;
    let token: string | undefined;
    try {
      token = typeof this.token === 'function' ? await this.token() : this.token;
    } catch {
      // The endpoint may be back before the server's 4440; if not, that close retries with backoff.
      return;
    }
    const next = readTokenClaims(token).expiresAt;
    if (this.phase.name !== 'live' || expiring === null || next === null || next <= expiring) return;
    this.enter({ name: 'opening', renewing: true });
    // Closed on purpose: the provider's close handler must not schedule a retry of its own.
    this.provider.shouldConnect = false;
    // y-websocket drops every other client's presence when a connected socket closes, which would
    // empty the avatars for a moment; a socket it holds for unconnected closes without that, and
    // the new socket brings the room's presence anyway.
    this.provider.wsconnected = false;
    this.abandonSocket();
    this.connectWith(token);
  }

  /**
   * Gives up on the current socket now, as if it had closed. A socket whose network is gone tells
   * so only after a TCP timeout; y-websocket's own silence watchdog takes this same path (its close
   * handler, called at once), but only after 30 s.
   */
  private abandonSocket(): void {
    const ws = this.provider.ws;
    if (ws === null) return;
    const event = Object.assign(new Event('close'), { code: CloseCode.HeartbeatTimeout, reason: 'no answer from the server', wasClean: false });
    ws.onclose?.call(ws, event);
  }

  private retryLater(): void {
    const delay = backoffDelay(this.failures++, this.backoff);
    this.enter({ name: 'waiting', timer: setTimeout(() => void this.open(), delay) });
  }

  /** Stops what the current phase scheduled. */
  private leavePhase(): void {
    const phase = this.phase;
    if (phase.name === 'waiting') clearTimeout(phase.timer);
    if (phase.name === 'live' && phase.renewal !== null) clearTimeout(phase.renewal);
  }

  private readonly onClose = (event: CloseEvent | null): void => {
    // shouldConnect is false when the close was asked for (disconnect, destroy or a renewal).
    if (!this.provider.shouldConnect || this.phase.name === 'destroyed') return;
    // Keep the provider's own reconnect timer a no-op: this class decides.
    this.provider.shouldConnect = false;
    // An expired token is terminal too when there is no function to fetch a fresh one.
    const expiredForGood = event?.code === CloseCode.TokenExpired && typeof this.token !== 'function';
    if (event !== null && (TERMINAL_CLOSE_CODES.has(event.code) || expiredForGood)) {
      this.enter({ name: 'denied', code: event.code, reason: event.reason });
      return;
    }
    this.retryLater();
  };

  private readonly onSync = (synced: boolean): void => {
    if (!synced || this.phase.name !== 'opening') return;
    this.failures = 0;
    this.everLive = true;
    const delay = this.renewalDelay();
    this.enter({ name: 'live', renewal: delay === null ? null : setTimeout(() => void this.renew(), delay) });
  };

  private readonly onOnline = (): void => {
    if (this.phase.name === 'waiting') this.reconnect();
  };

  /** The browser knows it has no network: the socket cannot be working, whatever it says. */
  private readonly onOffline = (): void => {
    if (this.phase.name === 'live' || this.phase.name === 'opening') this.abandonSocket();
  };

  private readonly onDocUpdate = (_update: Uint8Array, origin: unknown): void => {
    if (origin === this.provider || (this.restoredOrigin !== undefined && origin === this.restoredOrigin)) return;
    if (!this.socketOpen()) this.tracker.changeNotSent();
    this.publish();
  };

  /** The same test y-websocket applies before sending a local update on the socket. */
  private socketOpen(): boolean {
    const ws = this.provider.ws;
    return this.provider.wsconnected && ws !== null && ws.readyState === ws.OPEN;
  }

  private enter(phase: Phase): void {
    this.leavePhase();
    this.phase = phase;
    this.publish();
  }

  private computeStatus(): SessionStatus {
    const phase = this.phase;
    switch (phase.name) {
      case 'live':
        return { kind: 'live', saved: this.tracker.saved, unsavedChanges: this.tracker.unsavedChanges };
      case 'opening':
        if (phase.renewing) return { kind: 'live', saved: this.tracker.saved, unsavedChanges: this.tracker.unsavedChanges };
        if (!this.everLive && this.failures === 0) return { kind: 'connecting' };
        return { kind: 'offline', localChanges: this.tracker.unsavedChanges };
      case 'waiting':
      case 'destroyed':
        return { kind: 'offline', localChanges: this.tracker.unsavedChanges };
      case 'denied':
        return { kind: 'denied', code: phase.code, reason: phase.reason };
      default:
        return phase satisfies never;
    }
  }

  private publish(): void {
    const unsaved = !this.tracker.saved;
    if (unsaved !== this.unsaved) {
      this.unsaved = unsaved;
      for (const listener of this.unsavedListeners) listener(unsaved);
    }
    const next = this.computeStatus();
    if (sameStatus(next, this.current)) return;
    this.current = next;
    for (const listener of this.listeners) listener(next);
  }
}
