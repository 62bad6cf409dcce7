/**
 * Hand-built frames, well-formed and hostile, for tests that act as a client (or an attacker)
 * without y-websocket in the way.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { MessageType, SyncMessageType, readSaved } from '../../shared/protocol.js';
import { textUpdate } from './text-docs.js';

function frame(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  write(encoder);
  return encoding.toUint8Array(encoder);
}

/** The counts of every durable-save ack among `frames`, in order. */
export function savedCountsIn(frames: readonly Uint8Array[]): number[] {
  return frames
    .filter((frame) => frame[0] === MessageType.Saved)
    .map((frame) => {
      const decoder = decoding.createDecoder(frame);
      decoding.readVarUint(decoder);
      return readSaved(decoder);
    });
}

/**
 * An update of deletions only: `ranges` of `[clock, length]` of `client`, which may be clocks
 * the receiver has not seen yet.
 */
export function deletionUpdate(client: number, ranges: readonly (readonly [number, number])[]): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, ranges.length);
    for (const [clock, length] of ranges) {
      encoding.writeVarUint(e, clock);
      encoding.writeVarUint(e, length);
    }
  });
}

/** `[Sync, Step1, stateVector]` */
export function syncStep1(stateVector: Uint8Array = Y.encodeStateVector(new Y.Doc())): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MessageType.Sync);
    encoding.writeVarUint(e, SyncMessageType.Step1);
    encoding.writeVarUint8Array(e, stateVector);
  });
}

/** `[Sync, Step2 | Update, update]` */
export function syncUpdate(update: Uint8Array, subtype: number = SyncMessageType.Update): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MessageType.Sync);
    encoding.writeVarUint(e, subtype);
    encoding.writeVarUint8Array(e, update);
  });
}

/** One entry of an awareness update; `state` is the raw JSON text ('null' removes). */
export interface AwarenessEntry {
  clientId: number;
  clock: number;
  state: string;
}

/** `[Awareness, update]` with the given entries. */
export function awareness(entries: readonly AwarenessEntry[]): Uint8Array {
  const update = frame((e) => {
    encoding.writeVarUint(e, entries.length);
    for (const { clientId, clock, state } of entries) {
      encoding.writeVarUint(e, clientId);
      encoding.writeVarUint(e, clock);
      encoding.writeVarString(e, state);
    }
  });
  return frame((e) => {
    encoding.writeVarUint(e, MessageType.Awareness);
    encoding.writeVarUint8Array(e, update);
  });
}

/** The entries of an awareness frame, or null for any other frame. */
export function readAwareness(frame: Uint8Array): AwarenessEntry[] | null {
  const outer = decoding.createDecoder(frame);
  if (decoding.readVarUint(outer) !== MessageType.Awareness) return null;
  const decoder = decoding.createDecoder(decoding.readVarUint8Array(outer));
  const count = decoding.readVarUint(decoder);
  return Array.from({ length: count }, () => ({
    clientId: decoding.readVarUint(decoder),
    clock: decoding.readVarUint(decoder),
    state: decoding.readVarString(decoder),
  }));
}

/** The updates carried by the sync-update frames among `frames`, in order. */
export function syncUpdatesIn(frames: readonly Uint8Array[]): Uint8Array[] {
  return frames
    .filter((frame) => frame[0] === MessageType.Sync && frame[1] === SyncMessageType.Update)
    .map((frame) => {
      const decoder = decoding.createDecoder(frame);
      decoding.readVarUint(decoder);
      decoding.readVarUint(decoder);
      return decoding.readVarUint8Array(decoder);
    });
}

/** `[QueryAwareness]` */
export function queryAwareness(): Uint8Array {
  return Uint8Array.of(MessageType.QueryAwareness);
}

/** Hostile frames, each named for what it gets wrong. */
export const hostile = {
  /** A varUint whose continuation bit promises a byte that never comes. */
  truncatedVarint: (): Uint8Array => Uint8Array.of(0x80),
  /** A message type no one defined. */
  unknownType: (): Uint8Array => Uint8Array.of(42, 0, 0),
  /** A sync message of a subtype y-protocols does not have. */
  unknownSyncType: (): Uint8Array => Uint8Array.of(MessageType.Sync, 9, 0),
  /** An update whose length prefix claims more bytes than the frame holds. */
  lengthPastEnd: (): Uint8Array => Uint8Array.of(MessageType.Sync, SyncMessageType.Update, 50, 1, 2, 3),
  /** A well-formed update followed by bytes that belong to nothing. */
  trailingBytes: (): Uint8Array => {
    const valid = syncUpdate(textUpdate('x'));
    return Uint8Array.from([...valid, 7, 7, 7]);
  },
  /** An update claiming an absurd number of clients, then ending: Yjs runs out of bytes. */
  garbageUpdate: (): Uint8Array => syncUpdate(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3)),
  /** A sync step 1 whose state vector is not one. */
  garbageStateVector: (): Uint8Array => syncStep1(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f)),
  /**
   * A real update with its last byte cut off: the structs decode and integrate, then the delete
   * set runs out of bytes. Yjs throws only after it has integrated the structs.
   */
  truncatedUpdate: (text: string): Uint8Array => {
    const update = textUpdate(text);
    return syncUpdate(update.subarray(0, update.length - 1));
  },
  /** An awareness state that is not JSON: a stock peer's JSON.parse would throw on it. */
  awarenessNotJson: (clientId: number): Uint8Array => awareness([{ clientId, clock: 1, state: '{not json' }]),
  /** An awareness state of `bytes` bytes. */
  awarenessOfSize: (clientId: number, bytes: number): Uint8Array =>
    awareness([{ clientId, clock: 1, state: JSON.stringify({ blob: 'x'.repeat(Math.max(0, bytes - 11)) }) }]),
} as const;
