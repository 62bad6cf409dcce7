/**
 * The y-websocket wire format as the load generator speaks it: whole frames built with lib0, and
 * just enough reading of incoming frames to account for what arrived.
 */
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { MessageType, SyncMessageType } from '../shared/protocol.js';
import { encodeAwarenessFrame, encodeSyncFrame } from '../server/wire/frames.js';

/** Sync step 1: "here is my state vector, send me what I miss". */
export function syncStep1Frame(stateVector: Uint8Array): Uint8Array {
  return encodeSyncFrame(SyncMessageType.Step1, stateVector);
}

/** Sync step 2: the update answering a step 1. */
export function syncStep2Frame(update: Uint8Array): Uint8Array {
  return encodeSyncFrame(SyncMessageType.Step2, update);
}

/** A sync update: one change, as a typing client sends it. */
export function updateFrame(update: Uint8Array): Uint8Array {
  return encodeSyncFrame(SyncMessageType.Update, update);
}

/** The state vector of an empty document: what a fresh client sends in its step 1. */
export const EMPTY_STATE_VECTOR: Uint8Array = Y.encodeStateVector(new Y.Doc());

/**
 * An awareness message carrying one client's state, exactly as y-protocols encodes it:
 * `[1, varUint8Array([count, (clientID, clock, JSON)*])]`.
 */
export function awarenessFrame(clientId: number, clock: number, stateJson: string): Uint8Array {
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, 1);
  encoding.writeVarUint(inner, clientId);
  encoding.writeVarUint(inner, clock);
  encoding.writeVarString(inner, stateJson);
  return encodeAwarenessFrame(encoding.toUint8Array(inner));
}

/** What an incoming frame is, as far as the generator cares. */
export type Incoming =
  | { kind: 'step1' }
  | { kind: 'step2'; update: Uint8Array }
  | { kind: 'update'; update: Uint8Array }
  | { kind: 'awareness'; states: number }
  | { kind: 'saved'; count: number }
  | { kind: 'other'; type: number };

/** Reads the head of a frame; the update bytes are views into `frame`, not copies. */
export function readIncoming(frame: Uint8Array): Incoming {
  const decoder = decoding.createDecoder(frame);
  const type = decoding.readVarUint(decoder);
  switch (type) {
    case MessageType.Sync: {
      const kind = decoding.readVarUint(decoder);
      if (kind === SyncMessageType.Step1) return { kind: 'step1' };
      const update = decoding.readVarUint8Array(decoder);
      return kind === SyncMessageType.Step2 ? { kind: 'step2', update } : { kind: 'update', update };
    }
    case MessageType.Awareness: {
      const inner = decoding.createDecoder(decoding.readVarUint8Array(decoder));
      return { kind: 'awareness', states: decoding.readVarUint(inner) };
    }
    case MessageType.Saved:
      return { kind: 'saved', count: decoding.readVarUint(decoder) };
    default:
      return { kind: 'other', type };
  }
}

/**
 * The writer and clock of an update that holds exactly one struct of one writer (a keystroke as
 * typed, or relayed byte for byte), read from its first four varUints; null for anything else.
 * A cheap first look before {@link clockRanges}: the caller confirms it by comparing bytes.
 */
export function singleStructHead(update: Uint8Array): { client: number; clock: number } | null {
  const decoder = decoding.createDecoder(update);
  if (decoding.readVarUint(decoder) !== 1 || decoding.readVarUint(decoder) !== 1) return null;
  const client = decoding.readVarUint(decoder);
  return { client, clock: decoding.readVarUint(decoder) };
}

/**
 * The clocks an update covers, per writer: `[client, from, to)` ranges. Live typing makes one
 * clock per keystroke, so a relayed keystroke covers exactly one clock and a server that merges
 * several keystrokes into one message covers a longer range.
 */
export function clockRanges(update: Uint8Array): Array<[client: number, from: number, to: number]> {
  const { from, to } = Y.parseUpdateMeta(update);
  const ranges: Array<[number, number, number]> = [];
  for (const [client, start] of from) ranges.push([client, start, to.get(client) ?? start]);
  return ranges;
}
