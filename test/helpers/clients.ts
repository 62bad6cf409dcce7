/**
 * Stock y-websocket clients for tests, as an app would use them in Node: the `ws` package as the
 * WebSocket and no BroadcastChannel (Node 20 has a global one that would bypass the server).
 * A pool destroys every client it made, so no timer outlives a test.
 */
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { waitFor } from './wait-for.js';

/** One simulated user: a Y.Doc synced through a provider. */
export interface TestClient {
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  /** Destroys the provider (and its awareness) and the doc. */
  destroy(): void;
}

/** Options for {@link ClientPool.connect}. */
export interface ConnectOptions {
  /** Query parameters, e.g. `{ tandem: '1' }`. */
  params?: Record<string, string>;
  /** Connect at once (default) or leave it to the test. */
  connect?: boolean;
  /**
   * Whether to reconnect after the server closed with `event`; default y-websocket's (not after
   * 4400-4499). `() => true` is y-websocket 1.x and 2.x, which reconnect after every close.
   */
  shouldReconnect?: (event: CloseEvent) => boolean;
}

/** Makes clients and destroys them all at the end of a test. */
export class ClientPool {
  private readonly clients = new Set<TestClient>();

  /** A new client of document `name` on the server at `wsUrl`. */
  connect(wsUrl: string, name: string, { params = {}, connect = true, shouldReconnect }: ConnectOptions = {}): TestClient {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(wsUrl, name, doc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
      connect,
      params,
      ...(shouldReconnect === undefined ? {} : { shouldReconnect }),
    });
    const client: TestClient = {
      doc,
      provider,
      destroy: () => {
        if (!this.clients.delete(client)) return;
        provider.destroy();
        doc.destroy();
      },
    };
    this.clients.add(client);
    return client;
  }

  /** A connected client, resolved once its first sync with the server completed. */
  async connectSynced(wsUrl: string, name: string, options: ConnectOptions = {}): Promise<TestClient> {
    const client = this.connect(wsUrl, name, options);
    await waitSynced(client);
    return client;
  }

  /** Destroys every client still alive. */
  destroyAll(): void {
    for (const client of [...this.clients]) client.destroy();
  }
}

/** Resolves once `client` has completed a sync with the server. */
export async function waitSynced(client: TestClient, timeout = 10_000): Promise<void> {
  await waitFor(() => client.provider.synced, { timeout, message: 'provider synced' });
}

/** How a raw socket closed. */
export interface CloseInfo {
  code: number;
  reason: string;
}

/** A bare WebSocket speaking frames by hand: what an attacker (or a careful test) sends. */
export interface RawClient {
  readonly socket: WebSocket;
  /** Every binary frame received, in order. */
  readonly received: Uint8Array[];
  /** Settles when the socket closes. */
  readonly closed: Promise<CloseInfo>;
  send(frame: Uint8Array | string): void;
  close(): void;
}

/** How a raw socket presents itself: what a browser would send, or where an attacker connects from. */
export interface RawOptions {
  /** Answer pings (default true). */
  autoPong?: boolean;
  /** The Origin header, as a browser sends it. */
  origin?: string;
  /** Extra request headers, e.g. X-Forwarded-For. */
  headers?: Record<string, string>;
  /** Connect from this local address (another loopback address is another client IP). */
  localAddress?: string;
  /** Certificate authority to trust for wss. */
  ca?: string;
}

function socketOptions(options: RawOptions): ConstructorParameters<typeof WebSocket>[2] {
  return {
    autoPong: options.autoPong ?? true,
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  };
}

/** Opens a raw socket to `url`; resolves when open, rejects when the upgrade is refused. */
export function openRaw(url: string, options: RawOptions = {}): Promise<RawClient> {
  const socket = new WebSocket(url, socketOptions(options));
  const received: Uint8Array[] = [];
  socket.binaryType = 'nodebuffer';
  socket.on('message', (data: Buffer) => received.push(new Uint8Array(data)));
  const closed = new Promise<CloseInfo>((resolve) => {
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () => {
      socket.off('error', reject);
      socket.on('error', () => undefined);
      resolve({
        socket,
        received,
        closed,
        send: (frame) => socket.send(frame),
        close: () => socket.terminate(),
      });
    });
  });
}

/** The HTTP status by which the server refused a WebSocket upgrade to `url`. */
export function refusedStatus(url: string, options: RawOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, socketOptions(options));
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => {
      socket.terminate();
      reject(new Error(`upgrade to ${url} was accepted`));
    });
    socket.once('error', () => undefined);
  });
}
