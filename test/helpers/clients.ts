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
}

/** Makes clients and destroys them all at the end of a test. */
export class ClientPool {
  private readonly clients = new Set<TestClient>();

  /** A new client of document `name` on the server at `wsUrl`. */
  connect(wsUrl: string, name: string, { params = {}, connect = true }: ConnectOptions = {}): TestClient {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(wsUrl, name, doc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
      connect,
      params,
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
