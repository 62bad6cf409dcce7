/**
 * The connection of one document to a Tandem server: a y-websocket `WebsocketProvider` (so the
 * wire protocol stays stock), driven by Tandem's own reconnect policy.
 *
 * y-websocket reconnects on its own, with a fixed URL and no jitter. Here every close goes through
 * {@link TandemConnection}: the token is read again (it may be an async function that fetches a
 * fresh one), the delay is jittered and capped, the browser's `online` event retries at once, and
 * a terminal close code (shared/close-codes.ts) stops retrying until a new token arrives.
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
import { SaveTracker } from './save-tracker.js';
import { sameStatus, type SessionStatus } from './status.js';

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
}

/** Where the connection is in its lifecycle. */
type Phase =
  | { readonly name: 'opening' }
  | { readonly name: 'live' }
  | { readonly name: 'waiting'; readonly timer: ReturnType<typeof setTimeout> }
  | { readonly name: 'denied'; readonly code: number; readonly reason: string }
  | { readonly name: 'destroyed' };

/** A WebSocket class that reports each new socket and each frame sent on it. */
function countingWebSocket(
  Base: WebSocketConstructor,
  onSocket: () => void,
  onFrame: (frame: Uint8Array) => void,
): WebSocketConstructor {
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
  private phase: Phase = { name: 'opening' };
  private failures = 0;
  private everLive = false;
  private token: TokenSource | undefined;
  private readonly tracker = new SaveTracker();
  private readonly listeners = new Set<(status: SessionStatus) => void>();
  private canWrite = true;
  private readonly accessListeners = new Set<(readOnly: boolean) => void>();
  private current: SessionStatus = { kind: 'connecting' };
  private readonly backoff: BackoffOptions;

  constructor(
    private readonly doc: Y.Doc,
    awareness: Awareness,
    options: ConnectionOptions,
  ) {
    this.token = options.token;
    this.backoff = options.backoff ?? {};
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
    this.provider.on('connection-close', this.onClose);
    this.provider.on('sync', this.onSync);
    doc.on('update', this.onDocUpdate);
    if (typeof window !== 'undefined') window.addEventListener('online', this.onOnline);
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

  /** Uses `token` from the next connection on; after "access denied", reconnects at once. */
  setToken(token: TokenSource | undefined): void {
    this.token = token;
    if (this.phase.name === 'denied') this.reconnect();
  }

  /** Retries now when offline or denied (e.g. a "retry" button). */
  reconnect(): void {
    switch (this.phase.name) {
      case 'waiting':
        clearTimeout(this.phase.timer);
        this.failures = 0;
        void this.open();
        return;
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
    if (this.phase.name === 'waiting') clearTimeout(this.phase.timer);
    this.phase = { name: 'destroyed' };
    if (typeof window !== 'undefined') window.removeEventListener('online', this.onOnline);
    this.doc.off('update', this.onDocUpdate);
    this.provider.off('connection-close', this.onClose);
    this.provider.off('sync', this.onSync);
    this.provider.destroy();
    this.listeners.clear();
    this.accessListeners.clear();
  }

  private async open(): Promise<void> {
    this.enter({ name: 'opening' });
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
    const params: Record<string, string> = { [TANDEM_PARAM]: String(TANDEM_PROTOCOL_VERSION) };
    if (token !== undefined) params.token = token;
    this.provider.params = params;
    this.provider.connect();
  }

  private retryLater(): void {
    const delay = backoffDelay(this.failures++, this.backoff);
    this.enter({ name: 'waiting', timer: setTimeout(() => void this.open(), delay) });
  }

  private readonly onClose = (event: CloseEvent | null): void => {
    // shouldConnect is false when the close was asked for (disconnect or destroy).
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
    this.enter({ name: 'live' });
  };

  private readonly onOnline = (): void => {
    if (this.phase.name === 'waiting') this.reconnect();
  };

  private readonly onDocUpdate = (_update: Uint8Array, origin: unknown): void => {
    if (origin === this.provider) return;
    // The same test y-websocket applies before sending a local update on the socket.
    const ws = this.provider.ws;
    const sentNow = this.provider.wsconnected && ws !== null && ws.readyState === ws.OPEN;
    if (!sentNow) this.tracker.changeNotSent();
    this.publish();
  };

  private enter(phase: Phase): void {
    this.phase = phase;
    this.publish();
  }

  private computeStatus(): SessionStatus {
    const phase = this.phase;
    switch (phase.name) {
      case 'live':
        return { kind: 'live', saved: this.tracker.saved, unsavedChanges: this.tracker.unsavedChanges };
      case 'opening':
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
    const next = this.computeStatus();
    if (sameStatus(next, this.current)) return;
    this.current = next;
    for (const listener of this.listeners) listener(next);
  }
}
