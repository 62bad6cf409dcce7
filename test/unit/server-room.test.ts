/**
 * One room with fake members: updates of one turn go out as one merged frame (not back to their
 * only source) and one append; presence changes inside the broadcast interval go out together.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../../shared/close-codes.js';
import { DEFAULT_LIMITS } from '../../shared/limits.js';
import { MessageType, SyncMessageType } from '../../shared/protocol.js';
import { createLogger } from '../../server/observability/logger.js';
import { createMetrics } from '../../server/observability/metrics.js';
import { connectionOrigin } from '../../server/yjs/origins.js';
import { Room, type RoomMember } from '../../server/rooms/room.js';
import { createMemoryStore } from '../../server/storage/memory-store.js';
import type { DocumentStore } from '../../server/storage/store.js';
import { awareness, readAwareness, syncUpdatesIn } from '../helpers/frames.js';
import { storeWith } from '../helpers/server.js';
import { dependentUpdates, textUpdate } from '../helpers/text-docs.js';
import { waitFor } from '../helpers/wait-for.js';

class FakeMember implements RoomMember {
  readonly origin;
  readonly frames: Uint8Array[] = [];
  evicted: number | null = null;
  constructor(id: number) {
    this.origin = connectionOrigin(id);
  }
  send(frame: Uint8Array): void {
    this.frames.push(frame);
  }
  evict(code: CloseCode): void {
    this.evicted = code;
  }
  /** The updates in the sync-update frames received. */
  updates(): Uint8Array[] {
    return syncUpdatesIn(this.frames);
  }
  awarenessFrames(): number {
    return this.frames.filter((frame) => frame[0] === MessageType.Awareness).length;
  }
}

/** Lets the room greet the members that joined this turn (step 1 and presence go out at its end). */
function greeted(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('room', () => {
  const rooms: Room[] = [];
  const stores: DocumentStore[] = [];

  afterEach(async () => {
    for (const room of rooms.splice(0)) room.destroy();
    for (const store of stores.splice(0)) await store.close();
  });

  function makeRoom(store: DocumentStore = createMemoryStore(), stored: Uint8Array | null = null): Room {
    stores.push(store);
    const room = new Room('doc', { store, metrics: createMetrics(), logger: createLogger('silent'), limits: DEFAULT_LIMITS }, stored);
    rooms.push(room);
    return room;
  }

  it('merges the updates of one turn into one frame for the others and one append', async () => {
    const inner = createMemoryStore();
    let appends = 0;
    const room = makeRoom(
      storeWith(inner, {
        append: (name, update) => {
          appends++;
          return inner.append(name, update);
        },
      }),
    );
    const writer = new FakeMember(1);
    const peer = new FakeMember(2);
    room.join(writer);
    room.join(peer);
    const durable = ['a', 'b', 'c'].map((text) => room.applyUpdate(writer, textUpdate(text)));
    await Promise.all(durable);
    expect(peer.updates()).toHaveLength(1);
    expect(writer.updates()).toHaveLength(0);
    expect(appends).toBe(1);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, peer.updates()[0] as Uint8Array);
    expect(doc.getText('text').length).toBe(3);
  });

  it('sends a turn of updates from several members to every member', async () => {
    const room = makeRoom();
    const [a, b, c] = [new FakeMember(1), new FakeMember(2), new FakeMember(3)];
    for (const member of [a, b, c]) room.join(member);
    await Promise.all([room.applyUpdate(a, textUpdate('a')), room.applyUpdate(b, textUpdate('b'))]);
    expect([a.updates().length, b.updates().length, c.updates().length]).toEqual([1, 1, 1]);
  });

  it('resolves at once, after nothing, for an update that changes nothing', async () => {
    const room = makeRoom();
    const writer = new FakeMember(1);
    room.join(writer);
    const update = textUpdate('same');
    await room.applyUpdate(writer, update);
    await room.applyUpdate(writer, update);
    const peer = new FakeMember(2);
    room.join(peer);
    expect(peer.updates()).toHaveLength(0);
  });

  it('broadcasts presence changes made inside the interval together, then stays quiet', async () => {
    const room = makeRoom();
    const [a, b, watcher] = [new FakeMember(1), new FakeMember(2), new FakeMember(3)];
    for (const member of [a, b, watcher]) room.join(member);
    await greeted();
    const payload = (frame: Uint8Array) => frame.subarray(2);
    room.applyAwareness(a, payload(awareness([{ clientId: 1, clock: 1, state: '{"x":1}' }])));
    await waitFor(() => watcher.awarenessFrames() === 1, { message: 'first change at once' });
    room.applyAwareness(a, payload(awareness([{ clientId: 1, clock: 2, state: '{"x":2}' }])));
    room.applyAwareness(b, payload(awareness([{ clientId: 2, clock: 1, state: '{"y":1}' }])));
    room.applyAwareness(a, payload(awareness([{ clientId: 1, clock: 3, state: '{"x":3}' }])));
    await waitFor(() => watcher.awarenessFrames() === 2, { message: 'the rest together' });
    expect(readAwareness(watcher.frames.at(-1) as Uint8Array)).toEqual([
      { clientId: 1, clock: 3, state: '{"x":3}' },
      { clientId: 2, clock: 1, state: '{"y":1}' },
    ]);
    // The only source of a broadcast gets no copy of it.
    expect(a.awarenessFrames()).toBe(1);
  });

  it('evicts every member and refuses new ones when storage fails a write', async () => {
    const inner = createMemoryStore();
    const room = makeRoom(storeWith(inner, { append: () => Promise.reject(new Error('disk full')) }));
    const [writer, peer] = [new FakeMember(1), new FakeMember(2)];
    room.join(writer);
    room.join(peer);
    await expect(room.applyUpdate(writer, textUpdate('lost'))).rejects.toThrow('disk full');
    expect([writer.evicted, peer.evicted]).toEqual([CloseCode.InternalError, CloseCode.InternalError]);
    expect(room.poisoned).toBe(true);
  });

  it('answers a join from the stored document, then applies edits on top of it', async () => {
    const room = makeRoom(createMemoryStore(), textUpdate('stored'));
    const reader = new FakeMember(1);
    room.join(reader);
    room.answerStep1(reader, Y.encodeStateVector(new Y.Doc()));
    await greeted();
    // The answer first, then the server's own step 1.
    const [step2, step1] = reader.frames;
    expect([step2?.[1], step1?.[1]]).toEqual([SyncMessageType.Step2, SyncMessageType.Step1]);
    const replica = new Y.Doc();
    Y.applyUpdate(replica, (step2 as Uint8Array).subarray(3));
    expect(replica.getText('text').toString()).toBe('stored');

    const writer = new FakeMember(2);
    room.join(writer);
    const edit = new Y.Doc();
    Y.applyUpdate(edit, (step2 as Uint8Array).subarray(3));
    const before = Y.encodeStateVector(edit);
    edit.getText('text').insert(6, '!');
    await room.applyUpdate(writer, Y.encodeStateAsUpdate(edit, before));
    Y.applyUpdate(replica, reader.updates()[0] as Uint8Array);
    expect(replica.getText('text').toString()).toBe('stored!');
  });

  it('gives each writer of a turn the updates of the other writers and not its own', async () => {
    const room = makeRoom();
    const [a, b, watcher] = [new FakeMember(1), new FakeMember(2), new FakeMember(3)];
    for (const member of [a, b, watcher]) room.join(member);
    await Promise.all([room.applyUpdate(a, textUpdate('a')), room.applyUpdate(b, textUpdate('b'))]);
    const textIn = (member: FakeMember): string => {
      const doc = new Y.Doc();
      for (const update of member.updates()) Y.applyUpdate(doc, update);
      return doc.getText('text').toString();
    };
    expect([a.updates().length, b.updates().length, watcher.updates().length]).toEqual([1, 1, 1]);
    expect([textIn(a), textIn(b), textIn(watcher).length]).toEqual(['b', 'a', 2]);
  });

  it('sends the writer whose update completed pending structs those structs', async () => {
    const room = makeRoom();
    const [completer, sender] = [new FakeMember(1), new FakeMember(2)];
    room.join(completer);
    room.join(sender);
    const { base: first, dependent: second } = dependentUpdates('x', 'y');
    // The second update arrives first and waits in the doc for the first.
    const pending = room.applyUpdate(sender, second);
    await room.applyUpdate(completer, first);
    await pending;
    const replica = new Y.Doc();
    Y.applyUpdate(replica, first);
    for (const update of completer.updates()) Y.applyUpdate(replica, update);
    expect(replica.getText('text').toString()).toBe('xy');
  });

  it("stores a member's held update once an update from another instance completes it, and acks it", async () => {
    const store = createMemoryStore();
    const room = makeRoom(store);
    const sender = new FakeMember(1);
    room.join(sender);
    const { base, dependent, stateVector } = dependentUpdates('base', ' and more');
    let saved = false;
    const durable = room.applyUpdate(sender, dependent).then(() => (saved = true));
    // The base was stored by the instance whose client sent it: the room relays it, never stores it.
    room.applyRemoteUpdate(base);
    await durable;
    expect(saved).toBe(true);
    const stored = new Y.Doc();
    Y.applyUpdate(stored, Y.mergeUpdates([base, (await store.load('doc')) as Uint8Array]));
    expect(stored.getText('text').toString()).toBe('base and more');
    expect(Y.encodeStateVectorFromUpdate((await store.load('doc')) as Uint8Array)).toEqual(stateVector);
  });

  it('refuses to load a stored document that does not decode', () => {
    expect(() => makeRoom(createMemoryStore(), Uint8Array.of(5, 200, 1))).toThrow();
  });
});
