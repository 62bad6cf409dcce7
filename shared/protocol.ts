/**
 * The wire protocol: the standard y-websocket messages plus Tandem's opt-in extras.
 *
 * Every frame is binary; its first varUint is the message type. Sync (0), awareness (1) and
 * query-awareness (3) are exactly y-websocket's, so a stock `WebsocketProvider` works unchanged.
 * Types at or above {@link MessageType.Saved} are Tandem-only and are sent only to clients that
 * opted in with the `tandem` query parameter, because stock clients log an error on a type they
 * cannot read.
 */
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';

/** First varUint of every frame. */
export const MessageType = {
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
  /** Tandem-only: durable-save acknowledgement, see {@link writeSaved}. */
  Saved: 100,
  /** Tandem-only: what this connection may do, see {@link writeAccess}. */
  Access: 101,
  /** Tandem-only, client to server: are you there? See {@link writePing}. */
  Ping: 102,
  /** Tandem-only, server to client: the answer to a {@link MessageType.Ping}. */
  Pong: 103,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Second varUint of a sync frame (y-protocols/sync). */
export const SyncMessageType = {
  Step1: 0,
  Step2: 1,
  Update: 2,
} as const;
export type SyncMessageType = (typeof SyncMessageType)[keyof typeof SyncMessageType];

/**
 * Query parameter by which a client opts into Tandem-only messages, e.g.
 * `ws://host/notes?tandem=1`. Its value is the protocol version the client speaks.
 */
export const TANDEM_PARAM = 'tandem';

/** The extras version this code speaks. */
export const TANDEM_PROTOCOL_VERSION = 1;

/**
 * True for a sync frame that carries document content from a client: sync step 2 or an update.
 * Both type varUints are below 128, so they occupy exactly one byte each.
 */
export function isUpdateFrame(frame: Uint8Array): boolean {
  return frame[0] === MessageType.Sync && (frame[1] === SyncMessageType.Step2 || frame[1] === SyncMessageType.Update);
}

/**
 * Durable-save acknowledgement: `[Saved, savedCount]`.
 *
 * `savedCount` counts the update-bearing frames ({@link isUpdateFrame}) that this connection sent,
 * in order, of which every one is now in storage (or changed nothing). A client that counts the
 * update frames it sent on the current socket is saved when the two counts are equal.
 */
export function writeSaved(encoder: encoding.Encoder, savedCount: number): void {
  encoding.writeVarUint(encoder, MessageType.Saved);
  encoding.writeVarUint(encoder, savedCount);
}

/** Reads the body of a Saved message; the decoder must be positioned after the message type. */
export function readSaved(decoder: decoding.Decoder): number {
  return decoding.readVarUint(decoder);
}

/** One whole Saved frame. */
export function encodeSaved(savedCount: number): Uint8Array {
  const encoder = encoding.createEncoder();
  writeSaved(encoder, savedCount);
  return encoding.toUint8Array(encoder);
}

/**
 * What a connection may do: `[Access, 1]` writes, `[Access, 0]` only reads (the server drops its
 * updates). Sent once, when the connection joins, to clients that opted in, so that an editor can
 * become read-only instead of accepting edits that go nowhere.
 */
export function writeAccess(encoder: encoding.Encoder, canWrite: boolean): void {
  encoding.writeVarUint(encoder, MessageType.Access);
  encoding.writeVarUint(encoder, canWrite ? 1 : 0);
}

/** Reads the body of an Access message (true: may write); the decoder must be positioned after the type. */
export function readAccess(decoder: decoding.Decoder): boolean {
  return decoding.readVarUint(decoder) === 1;
}

/** One whole Access frame. */
export function encodeAccess(canWrite: boolean): Uint8Array {
  const encoder = encoding.createEncoder();
  writeAccess(encoder, canWrite);
  return encoding.toUint8Array(encoder);
}

/**
 * Liveness probe, client to server: `[Ping]`, nothing else. A browser cannot see WebSocket pings,
 * and a socket whose network vanished stays "open" for as long as nothing tells it otherwise; a
 * client that has heard nothing for a while sends this, and the answer (or its absence) tells it
 * within seconds whether the server still hears it.
 */
export function encodePing(): Uint8Array {
  return Uint8Array.of(MessageType.Ping);
}

/** The answer to a Ping, server to client: `[Pong]`, nothing else. */
export function encodePong(): Uint8Array {
  return Uint8Array.of(MessageType.Pong);
}
