/**
 * The durable-save acknowledgement (api.md): sent only to clients that opted in with `?tandem=1`,
 * only after storage made their updates durable, counting update-bearing frames in order.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MessageType } from '../../shared/protocol.js';
import { createMemoryStore } from '../../server/storage/memory-store.js';
import type { DocumentStore } from '../../server/storage/store.js';
import { ClientPool, openRaw, type RawClient } from '../helpers/clients.js';
import { savedCountsIn, syncStep1, syncUpdate } from '../helpers/frames.js';
import { startTestServer, storeWith, type TestServer } from '../helpers/server.js';
import { textOf, textUpdate } from '../helpers/text-docs.js';
import { waitFor } from '../helpers/wait-for.js';

/** The counts of every Saved frame `client` received, in order. */
function savedCounts(client: RawClient): number[] {
  return savedCountsIn(client.received);
}

/** A memory store whose appends wait until the test opens the gate. */
function gatedStore(): { store: DocumentStore; inner: DocumentStore; open(): void; appends(): number } {
  const inner = createMemoryStore();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let appends = 0;
  const store = storeWith(inner, {
    append: async (name, update) => {
      appends++;
      await gate;
      await inner.append(name, update);
    },
  });
  return { store, inner, open: () => release(), appends: () => appends };
}

describe('durable-save acks', () => {
  const pool = new ClientPool();
  const raws: RawClient[] = [];
  let server: TestServer | null = null;
  let store: DocumentStore | null = null;
  let openGate: (() => void) | null = null;

  afterEach(async () => {
    // A failed test may leave a write waiting at the gate; closing the server waits for it.
    openGate?.();
    openGate = null;
    for (const raw of raws.splice(0)) raw.close();
    pool.destroyAll();
    vi.restoreAllMocks();
    await server?.close();
    await store?.close();
    server = null;
    store = null;
  });

  async function raw(url: string): Promise<RawClient> {
    const client = await openRaw(url);
    raws.push(client);
    return client;
  }

  it('an opted-in client is acked, and peers get its edits, only once they are durable', async () => {
    const gated = gatedStore();
    openGate = gated.open;
    store = gated.inner;
    server = await startTestServer({ store: gated.store });
    const client = await raw(`${server.wsUrl}/doc?tandem=1`);
    client.send(syncStep1());
    client.send(syncUpdate(textUpdate('one')));
    client.send(syncUpdate(textUpdate('two')));
    await waitFor(() => gated.appends() > 0, { message: 'an append to start' });
    const peer = pool.connect(server.wsUrl, 'doc');
    await waitFor(() => peer.provider.wsconnected, { message: 'peer to connect' });
    expect(savedCounts(client)).toEqual([]);
    expect(peer.doc.getText('text').length).toBe(0);

    gated.open();
    await waitFor(() => savedCounts(client).at(-1) === 2, { message: 'ack of both frames' });
    await waitFor(() => peer.doc.getText('text').length === 6, { message: 'peer to see both edits' });
    expect(textOf(await gated.inner.load('doc'))?.length).toBe(6);
  });

  it('a frame that changes nothing is acked once the earlier frames are', async () => {
    server = await startTestServer();
    const client = await raw(`${server.wsUrl}/doc?tandem=1`);
    const update = textUpdate('same');
    client.send(syncUpdate(update));
    client.send(syncUpdate(update));
    await waitFor(() => savedCounts(client).at(-1) === 2, { message: 'ack of both frames' });
    expect(savedCounts(client).every((count, i, all) => i === 0 || count > (all[i - 1] as number))).toBe(true);
  });

  it('a client that did not opt in never receives an ack', async () => {
    server = await startTestServer();
    const plain = await raw(`${server.wsUrl}/doc`);
    const opted = await raw(`${server.wsUrl}/doc?tandem=1`);
    plain.send(syncUpdate(textUpdate('plain')));
    opted.send(syncUpdate(textUpdate('opted')));
    // The opted-in client's ack comes after the plain client's frame was handled and stored.
    await waitFor(() => savedCounts(opted).length > 0 && plain.received.some((frame) => frame[0] === MessageType.Sync), {
      message: 'ack for the opted-in client and the edit for the plain one',
    });
    expect(savedCounts(plain)).toEqual([]);
  });

  it('a stock provider writing to the server never sees a message it cannot read', async () => {
    server = await startTestServer();
    const errors = vi.spyOn(console, 'error');
    const writer = await pool.connectSynced(server.wsUrl, 'doc');
    const opted = await raw(`${server.wsUrl}/doc?tandem=1`);
    for (let i = 0; i < 20; i++) writer.doc.getText('text').insert(0, 'x');
    opted.send(syncUpdate(textUpdate('marker')));
    await waitFor(() => writer.doc.getText('text').toString().includes('marker') && savedCounts(opted).length > 0, {
      message: 'marker round trip',
    });
    expect(errors).not.toHaveBeenCalled();
  });
});
