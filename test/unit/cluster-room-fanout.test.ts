/**
 * A room's side of the fan-out, with a recording channel: what its members send is published
 * only once durable; what other instances send is relayed to the members but never stored or
 * published again; remote presence is relayed and dropped when its instance dies.
 */
import * as decoding from 'lib0/decoding';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { CloseCode } from '../../shared/close-codes.js';
import { DEFAULT_LIMITS } from '../../shared/limits.js';
import type { DocumentChannel } from '../../server/cluster/fanout.js';
import { createLogger } from '../../server/observability/logger.js';
import { createMetrics } from '../../server/observability/metrics.js';
import { connectionOrigin } from '../../server/yjs/origins.js';
import { Room, type RoomMember } from '../../server/rooms/room.js';
import { createMemoryStore } from '../../server/storage/memory-store.js';
import type { DocumentStore } from '../../server/storage/store.js';
import { encodeAwarenessFrame } from '../../server/wire/frames.js';
import { awareness, readAwareness, syncUpdatesIn } from '../helpers/frames.js';
import { storeWith } from '../helpers/server.js';
import { textOf, textUpdate } from '../helpers/text-docs.js';

/** The awareness update inside an awareness frame. */
function payloadOf(frame: Uint8Array): Uint8Array {
  const decoder = decoding.createDecoder(frame);
  decoding.readVarUint(decoder);
  return decoding.readVarUint8Array(decoder);
}

class Member implements RoomMember {
  readonly origin = connectionOrigin(7);
  readonly frames: Uint8Array[] = [];
  send(frame: Uint8Array): void {
    this.frames.push(frame);
  }
  evict(_code: CloseCode): void {}
  updates(): Uint8Array[] {
    return syncUpdatesIn(this.frames);
  }
}

class RecordingChannel implements DocumentChannel {
  readonly updates: Uint8Array[] = [];
  readonly presence: { connectionId: number; payload: Uint8Array }[] = [];
  attach(): void {}
  publishUpdate(update: Uint8Array): void {
    this.updates.push(update);
  }
  publishAwareness(connectionId: number, payload: Uint8Array): void {
    this.presence.push({ connectionId, payload });
  }
  requestSync(): void {}
  close(): void {}
}

describe('room fan-out', () => {
  const rooms: Room[] = [];
  afterEach(() => {
    for (const room of rooms.splice(0)) room.destroy();
  });

  function makeRoom(store: DocumentStore, channel: DocumentChannel): Room {
    const room = new Room('doc', { store, metrics: createMetrics(), logger: createLogger('silent'), limits: DEFAULT_LIMITS }, null, channel);
    rooms.push(room);
    return room;
  }

  it('publishes a member edit only after storage holds it', async () => {
    const inner = createMemoryStore();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const channel = new RecordingChannel();
    const room = makeRoom(
      storeWith(inner, {
        append: async (name, update) => {
          await gate;
          return inner.append(name, update);
        },
      }),
      channel,
    );
    const member = new Member();
    room.join(member);
    const durable = room.applyUpdate(member, textUpdate('hello'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(channel.updates).toHaveLength(0);
    release();
    await durable;
    expect(channel.updates.map((update) => textOf(update))).toEqual(['hello']);
  });

  it('relays an update from another instance to every member without storing or publishing it', async () => {
    const inner = createMemoryStore();
    let appends = 0;
    const channel = new RecordingChannel();
    const room = makeRoom(
      storeWith(inner, {
        append: (name, update) => {
          appends++;
          return inner.append(name, update);
        },
      }),
      channel,
    );
    const member = new Member();
    room.join(member);
    room.applyRemoteUpdate(textUpdate('remote'));
    expect(member.updates().map((update) => textOf(update))).toEqual(['remote']);
    room.flush();
    await room.settled();
    expect(appends).toBe(0);
    expect(channel.updates).toHaveLength(0);
  });

  it('answers a peer state vector with only what the peer lacks', () => {
    const channel = new RecordingChannel();
    const room = makeRoom(createMemoryStore(), channel);
    const known = textUpdate('known');
    room.applyRemoteUpdate(known);
    const peer = new Y.Doc();
    Y.applyUpdate(peer, known);
    room.answerPeer(Y.encodeStateVector(peer), false);
    expect(channel.updates).toHaveLength(0);
    room.answerPeer(Y.encodeStateVector(new Y.Doc()), false);
    expect(channel.updates.map((update) => textOf(update))).toEqual(['known']);
    peer.destroy();
  });

  it('publishes member presence and its removal, and drops remote presence when its instance dies', () => {
    const channel = new RecordingChannel();
    const room = makeRoom(createMemoryStore(), channel);
    const member = new Member();
    room.join(member);
    const ann = JSON.stringify({ user: { name: 'Ann' } });
    room.applyAwareness(member, payloadOf(awareness([{ clientId: 11, clock: 1, state: ann }])));
    expect(channel.presence[0]?.connectionId).toBe(7);
    expect(readAwareness(encodeAwarenessFrame(channel.presence[0]!.payload))).toEqual([{ clientId: 11, clock: 1, state: ann }]);
    room.applyRemoteAwareness(
      { instanceId: 'b', connectionId: 3 },
      payloadOf(awareness([{ clientId: 22, clock: 4, state: JSON.stringify({ user: { name: 'Bob' } }) }])),
    );
    expect(channel.presence).toHaveLength(1);
    expect(readAwareness(room.awarenessFrame()!)?.map((entry) => entry.clientId)).toEqual([11, 22]);
    room.dropInstance('b');
    expect(readAwareness(room.awarenessFrame()!)?.map((entry) => entry.clientId)).toEqual([11]);
    room.leave(member);
    expect(readAwareness(encodeAwarenessFrame(channel.presence.at(-1)!.payload))).toEqual([{ clientId: 11, clock: 1, state: 'null' }]);
  });
});
