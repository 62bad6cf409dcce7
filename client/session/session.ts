/**
 * A document session: one Y.Doc, its presence, its connection to a Tandem server, its offline
 * copy and its status, with no framework attached. The React hooks are a thin layer over this.
 */
import * as Y from 'yjs';
import * as bc from 'lib0/broadcastchannel';
import * as encoding from 'lib0/encoding';
import { Awareness } from 'y-protocols/awareness';
import type { WebsocketProvider } from 'y-websocket';
import { MessageType } from '../../shared/protocol.js';
import { throttleAwareness, windowForRate } from '../presence/awareness-throttle.js';
import { readPeers, stampSelf, userOf, type Peer, type StampedIdentity } from '../presence/peers.js';
import type { BackoffOptions } from './backoff.js';
import type { LivenessOptions } from './liveness.js';
import { offlineAvailable, openOfflineStore, type OfflineStore } from './offline.js';
import { TandemConnection, type TokenSource, type WebSocketConstructor } from './provider.js';
import type { SessionStatus } from './status.js';
import { warnWhileUnsaved } from './unload-guard.js';

/** Options of {@link createDocumentSession}. */
export interface DocumentSessionOptions {
  /** The server's WebSocket URL, e.g. `wss://docs.example.com`. */
  serverUrl: string;
  /** The document name. */
  documentName: string;
  /** Auth token, or a function fetching one before every connection attempt. */
  token?: TokenSource | undefined;
  /** Keep a copy in IndexedDB so offline edits survive a reload. Default true where available. */
  offline?: boolean | undefined;
  /** Most presence updates per second (caret and pointer); default 20, never more than 30. */
  cursorRate?: number | undefined;
  /** Sync with other tabs over BroadcastChannel. Default true. */
  crossTab?: boolean | undefined;
  /** Warn before the page unloads with unsaved changes. Default true. */
  warnOnUnload?: boolean | undefined;
  /** WebSocket implementation (e.g. `ws` in Node). */
  WebSocketImpl?: WebSocketConstructor | undefined;
  /** Reconnect delays. */
  backoff?: BackoffOptions | undefined;
  /** How quickly a silent connection is found dead (defaults: within about 7 s). */
  liveness?: LivenessOptions | undefined;
  /** Renew a token function's JWT shortly before it expires (default true); false waits for the server's 4440. */
  renewToken?: boolean | undefined;
}

/** A live document. Destroy it when done: it holds a socket and timers. */
export interface DocumentSession {
  readonly documentName: string;
  readonly doc: Y.Doc;
  readonly awareness: Awareness;
  /** The y-websocket provider underneath. */
  readonly provider: WebsocketProvider;
  /** Current status; see {@link onStatus}. */
  readonly status: SessionStatus;
  /** True once the document has synced with the server on the current connection. */
  readonly synced: boolean;
  /** Resolves once the IndexedDB copy is loaded (at once when offline storage is off). */
  readonly offlineLoaded: Promise<void>;
  /** Calls `listener` on every status change; returns the unsubscribe function. */
  onStatus(listener: (status: SessionStatus) => void): () => void;
  /** True when the server lets this client only read the document (see {@link TandemConnection.readOnly}). */
  readonly readOnly: boolean;
  /** Calls `listener` when {@link readOnly} changes; returns the unsubscribe function. */
  onReadOnly(listener: (readOnly: boolean) => void): () => void;
  /** Everyone present, this client first; the same array until membership or a user changes. */
  peers(): readonly Peer[];
  /** Calls `listener` when someone joins, leaves or changes name or colour. */
  onPeers(listener: (peers: readonly Peer[]) => void): () => void;
  /** Uses a new token from the next connection on; after "access denied", reconnects now. */
  setToken(token: TokenSource | undefined): void;
  /** Retries now when offline or denied. */
  reconnect(): void;
  /** Closes the connection, stops offline storage and presence, destroys the document. */
  destroy(): void;
}

/** Most presence updates per second by default. */
export const DEFAULT_CURSOR_RATE = 20;

/** Sends one awareness update the way y-websocket broadcasts: to the socket and to other tabs. */
function awarenessSender(provider: WebsocketProvider): (update: Uint8Array) => void {
  return (update) => {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageType.Awareness);
    encoding.writeVarUint8Array(encoder, update);
    const frame = encoding.toUint8Array(encoder);
    const ws = provider.ws;
    if (provider.wsconnected && ws !== null && ws.readyState === ws.OPEN) ws.send(frame);
    if (provider.bcconnected) bc.publish(provider.bcChannel, frame, provider);
  };
}

/** A peers list that stays current, see {@link watchPeers}. */
interface PeersWatch {
  current(): readonly Peer[];
  on(listener: (peers: readonly Peer[]) => void): () => void;
  /** This client's identity as its token gives it changed. */
  identityChanged(): void;
}

/**
 * The peers list, recomputed only when membership or someone's name or colour changes; this
 * client's own entry shows the identity its token gives it, when it has one.
 */
function watchPeers(awareness: Awareness, ownIdentity: () => StampedIdentity): PeersWatch {
  const listeners = new Set<(peers: readonly Peer[]) => void>();
  const users = new Map<number, string>();
  const read = (): readonly Peer[] => stampSelf(readPeers(awareness), ownIdentity());
  let peers: readonly Peer[] = read();
  const publish = (): void => {
    peers = read();
    for (const listener of listeners) listener(peers);
  };
  const onChange = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }): void => {
    let changed = added.length > 0 || removed.length > 0;
    for (const clientId of removed) users.delete(clientId);
    for (const clientId of [...added, ...updated]) {
      const user = userOf(awareness.getStates().get(clientId), clientId);
      const key = `${user.name}\n${user.color}`;
      if (users.get(clientId) !== key) changed = true;
      users.set(clientId, key);
    }
    if (changed) publish();
  };
  awareness.on('change', onChange);
  return {
    current: () => peers,
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    identityChanged: publish,
  };
}

/**
 * Keeps the stored copy's unsaved flag (offline.ts) true to the connection: read once the copy is
 * restored, then written whenever local changes start or stop being unsaved.
 */
function keepUnsavedFlag(offline: OfflineStore, connection: TandemConnection): void {
  void offline.heldUnsaved().then((held) => {
    if (held) connection.restoredUnsaved();
    else if (connection.holdsUnsaved) offline.rememberUnsaved(true);
    connection.onUnsavedChange((unsaved) => offline.rememberUnsaved(unsaved));
  });
}

/**
 * Opens a document on a Tandem server.
 * @example
 * const session = createDocumentSession({ serverUrl: 'wss://docs.example.com', documentName: 'notes' });
 * session.onStatus((status) => render(statusLabel(status)));
 * session.doc.getXmlFragment('default'); // what the editor binds to
 * // later
 * session.destroy();
 */
export function createDocumentSession(options: DocumentSessionOptions): DocumentSession {
  const doc = new Y.Doc();
  const awareness = new Awareness(doc);
  const offline = options.offline !== false && offlineAvailable() ? openOfflineStore(doc, options.serverUrl, options.documentName) : null;
  const connection = new TandemConnection(doc, awareness, { ...options, restoredOrigin: offline?.origin });
  if (offline !== null) keepUnsavedFlag(offline, connection);
  const { provider } = connection;
  // One throttled sender replaces the provider's send-on-every-change.
  awareness.off('update', provider._awarenessUpdateHandler);
  const throttle = throttleAwareness(awareness, awarenessSender(provider), {
    windowMs: windowForRate(options.cursorRate ?? DEFAULT_CURSOR_RATE),
  });
  const peers = watchPeers(awareness, () => connection.tokenClaims);
  connection.onTokenClaims(peers.identityChanged);
  const disarmUnloadWarning = options.warnOnUnload === false ? () => undefined : warnWhileUnsaved(connection);

  return {
    documentName: options.documentName,
    doc,
    awareness,
    provider,
    get status() {
      return connection.status;
    },
    get synced() {
      return provider.synced;
    },
    offlineLoaded: offline?.loaded ?? Promise.resolve(),
    onStatus: (listener) => connection.onStatus(listener),
    get readOnly() {
      return connection.readOnly;
    },
    onReadOnly: (listener) => connection.onReadOnly(listener),
    peers: () => peers.current(),
    onPeers: (listener) => peers.on(listener),
    setToken: (token) => connection.setToken(token),
    reconnect: () => connection.reconnect(),
    destroy() {
      disarmUnloadWarning();
      awareness.setLocalState(null);
      throttle.destroy();
      connection.destroy();
      void offline?.destroy();
      awareness.destroy();
      doc.destroy();
    },
  };
}
