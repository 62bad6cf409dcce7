/**
 * One connection against a fake socket: ordered handling while the room loads, backpressure,
 * heartbeat, keepalive. The room, registry and store are real (memory store).
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../../shared/close-codes.js';
import { DEFAULT_LIMITS, type Limits } from '../../shared/limits.js';
import { MessageType, SyncMessageType } from '../../shared/protocol.js';
import { OPEN_ACCESS } from '../../server/connection/auth.js';
import { Connection } from '../../server/connection/connection.js';
import type { PeerSocket } from '../../server/connection/socket.js';
import { createLogger } from '../../server/observability/logger.js';
import { createMetrics } from '../../server/observability/metrics.js';
import { RoomRegistry } from '../../server/rooms/registry.js';
import { createMemoryStore } from '../../server/storage/memory-store.js';
import type { DocumentStore } from '../../server/storage/store.js';
import { queryAwareness, syncStep1, syncUpdate } from '../helpers/frames.js';
import { storeWith } from '../helpers/server.js';
import { textUpdate } from '../helpers/text-docs.js';
import { waitFor } from '../helpers/wait-for.js';

class FakeSocket implements PeerSocket {
  bufferedAmount = 0;
  readonly sent: Uint8Array[] = [];
  closedWith: number | null = null;
  terminated = false;
  pings = 0;
  send(frame: Uint8Array): void {
    this.sent.push(frame);
  }
  close(code: number): void {
    this.closedWith = code;
  }
  terminate(): void {
    this.terminated = true;
  }
  ping(): void {
    this.pings++;
  }
}

describe('connection', () => {
  const stores: DocumentStore[] = [];
  const connections: Connection[] = [];

  afterEach(async () => {
    for (const connection of connections.splice(0)) connection.onClose(1000);
    for (const store of stores.splice(0)) await store.close();
  });

  function connect(options: { store?: DocumentStore; limits?: Partial<Limits> } = {}) {
    const store = options.store ?? createMemoryStore();
    stores.push(store);
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    const context = {
      metrics: createMetrics(),
      logger: createLogger('silent'),
      limits,
      registry: new RoomRegistry({
        store,
        metrics: createMetrics(),
        logger: createLogger('silent'),
        limits,
        unloadGraceMs: 0,
      }),
    };
    const socket = new FakeSocket();
    let closed = 0;
    const connection = new Connection(socket, { id: 1, documentName: 'doc', ip: '::1', tandem: false, access: OPEN_ACCESS, onClosed: () => closed++ }, context);
    connections.push(connection);
    return { connection, socket, registry: context.registry, closed: () => closed };
  }

  it('handles frames that arrive while the room loads, in order, once it has loaded', async () => {
    const inner = createMemoryStore();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const store = storeWith(inner, {
      load: async (name) => {
        await gate;
        return inner.load(name);
      },
    });
    const { connection, socket } = connect({ store });
    connection.onMessage(syncUpdate(textUpdate('first')), true);
    connection.onMessage(syncStep1(), true);
    expect(socket.sent).toEqual([]);
    release();
    await waitFor(() => socket.sent.length >= 2, { message: 'join and reply' });
    // The step 2 answering ours holds the queued update, so it waits until that is durable: the
    // server's own step 1, sent at the end of the joining turn, comes first.
    expect([socket.sent[0]?.[1], socket.sent[1]?.[1]]).toEqual([SyncMessageType.Step1, SyncMessageType.Step2]);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, (socket.sent[1] as Uint8Array).subarray(3));
    expect(doc.getText('text').toString()).toBe('first');
  });

  it('closes with 1013 once unsent bytes pass the limit', async () => {
    const { connection, socket } = connect({ limits: { maxUnsentBytes: 1000 } });
    await waitFor(() => socket.sent.length > 0, { message: 'join' });
    socket.bufferedAmount = 1001;
    connection.onMessage(syncStep1(), true);
    expect(socket.closedWith).toBe(CloseCode.TryAgainLater);
    const sentBefore = socket.sent.length;
    connection.onMessage(queryAwareness(), true);
    expect(socket.sent.length).toBe(sentBefore);
  });

  it('pings each heartbeat and drops a socket that did not answer the previous ping', () => {
    const { connection, socket } = connect();
    connection.heartbeat();
    connection.onPong();
    connection.heartbeat();
    expect([socket.pings, socket.terminated]).toEqual([2, false]);
    connection.heartbeat();
    expect(socket.terminated).toBe(true);
  });

  it('sends a keepalive only after an interval in which nothing else was sent', async () => {
    const { connection, socket } = connect();
    await waitFor(() => socket.sent.length > 0, { message: 'join' });
    const before = socket.sent.length;
    connection.keepalive();
    expect(socket.sent.length).toBe(before);
    connection.keepalive();
    expect(socket.sent.length).toBe(before + 1);
    expect(Array.from(socket.sent.at(-1) as Uint8Array)).toEqual([MessageType.Awareness, 1, 0]);
  });

  it('leaves its room and reports once when the socket closes', async () => {
    const { connection, socket, registry, closed } = connect();
    await waitFor(() => socket.sent.length > 0, { message: 'join' });
    connections.pop();
    connection.onClose(1006);
    expect(closed()).toBe(1);
    await waitFor(() => registry.size === 0, { message: 'room to unload' });
  });
});
