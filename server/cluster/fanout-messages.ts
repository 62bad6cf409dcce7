/**
 * What instances say to each other on a document's channel, encoded in pairs. Every message
 * starts with its kind and the id of the instance that sent it, so an instance skips its own echo.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/** The kinds of fan-out message. */
export const FanOutKind = {
  /** A durable update an instance's client sent. */
  Update: 0,
  /** Presence states one connection of the sender introduced, changed or removed. */
  Awareness: 1,
  /** The sender's state vector: answer with what it lacks. */
  SyncRequest: 2,
} as const;

/** One fan-out message. */
export type FanOutMessage =
  | { readonly kind: typeof FanOutKind.Update; readonly from: string; readonly update: Uint8Array }
  | { readonly kind: typeof FanOutKind.Awareness; readonly from: string; readonly connectionId: number; readonly payload: Uint8Array }
  | { readonly kind: typeof FanOutKind.SyncRequest; readonly from: string; readonly stateVector: Uint8Array; readonly answer: boolean };

/** Encodes `message` for the wire. */
export function encodeFanOutMessage(message: FanOutMessage): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, message.kind);
  encoding.writeVarString(encoder, message.from);
  switch (message.kind) {
    case FanOutKind.Update:
      encoding.writeVarUint8Array(encoder, message.update);
      break;
    case FanOutKind.Awareness:
      encoding.writeVarUint(encoder, message.connectionId);
      encoding.writeVarUint8Array(encoder, message.payload);
      break;
    case FanOutKind.SyncRequest:
      encoding.writeVarUint8Array(encoder, message.stateVector);
      encoding.writeUint8(encoder, message.answer ? 1 : 0);
      break;
    default:
      message satisfies never;
  }
  return encoding.toUint8Array(encoder);
}

/** Decodes what {@link encodeFanOutMessage} wrote; throws on bytes it did not write. */
export function decodeFanOutMessage(bytes: Uint8Array): FanOutMessage {
  const decoder = decoding.createDecoder(bytes);
  const kind = decoding.readVarUint(decoder);
  const from = decoding.readVarString(decoder);
  switch (kind) {
    case FanOutKind.Update:
      return { kind, from, update: decoding.readVarUint8Array(decoder) };
    case FanOutKind.Awareness:
      return { kind, from, connectionId: decoding.readVarUint(decoder), payload: decoding.readVarUint8Array(decoder) };
    case FanOutKind.SyncRequest:
      return { kind, from, stateVector: decoding.readVarUint8Array(decoder), answer: decoding.readUint8(decoder) === 1 };
    default:
      throw new Error(`unknown fan-out message kind ${kind}`);
  }
}
