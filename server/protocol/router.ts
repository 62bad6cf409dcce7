/**
 * Dispatch of one received frame by message type. Decoding throws a 4400 {@link ConnectionError}
 * (truncated varint, length past the end, trailing bytes, unknown type); the connection catches it.
 */
import * as decoding from 'lib0/decoding';
import { CloseCode } from '../../shared/close-codes.js';
import { MessageType, SyncMessageType } from '../../shared/protocol.js';
import type { Room, RoomMember } from '../rooms/room.js';
import { ConnectionError } from './errors.js';

/**
 * Handles `frame` from `member` of `room`. For an update-bearing frame, returns a promise that
 * settles once what it changed is durable; null for every other frame.
 */
export function routeFrame(frame: Uint8Array, member: RoomMember, room: Room): Promise<void> | null {
  const decoder = decoding.createDecoder(frame);
  const type = readUint(decoder);
  switch (type) {
    case MessageType.Sync:
      return routeSync(decoder, member, room);
    case MessageType.Awareness:
      room.applyAwareness(member, readPayload(decoder));
      return null;
    case MessageType.QueryAwareness: {
      expectEnd(decoder);
      const presence = room.awarenessFrame();
      if (presence !== null) member.send(presence);
      return null;
    }
    default:
      throw new ConnectionError(CloseCode.BadMessage, 'unknown_message_type');
  }
}

function routeSync(decoder: decoding.Decoder, member: RoomMember, room: Room): Promise<void> | null {
  const subtype = readUint(decoder);
  switch (subtype) {
    case SyncMessageType.Step1:
      room.answerStep1(member, readPayload(decoder));
      return null;
    case SyncMessageType.Step2:
    case SyncMessageType.Update:
      return room.applyUpdate(member, readPayload(decoder));
    default:
      throw new ConnectionError(CloseCode.BadMessage, 'unknown_message_type');
  }
}

function readUint(decoder: decoding.Decoder): number {
  try {
    return decoding.readVarUint(decoder);
  } catch (error) {
    throw new ConnectionError(CloseCode.BadMessage, 'undecodable', { cause: error });
  }
}

/** The frame's final field, a length-prefixed byte array that must end exactly at the frame's end. */
function readPayload(decoder: decoding.Decoder): Uint8Array {
  let payload: Uint8Array;
  try {
    payload = decoding.readVarUint8Array(decoder);
  } catch (error) {
    throw new ConnectionError(CloseCode.BadMessage, 'undecodable', { cause: error });
  }
  expectEnd(decoder);
  return payload;
}

function expectEnd(decoder: decoding.Decoder): void {
  if (decoding.hasContent(decoder)) throw new ConnectionError(CloseCode.BadMessage, 'trailing_bytes');
}
