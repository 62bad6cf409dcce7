/**
 * Dispatch of one received frame by message type. Decoding throws a 4400 {@link ConnectionError}
 * (truncated varint, length past the end, trailing bytes, unknown type); the connection catches it.
 *
 * Read-only enforcement lives here: a connection without write access has its sync step 2 and
 * updates dropped (stock providers send a step 2 on every connect, so this is not a reason to
 * close it), and a connection without presence rights has its awareness messages dropped.
 */
import * as decoding from 'lib0/decoding';
import { CloseCode } from '../../shared/close-codes.js';
import { encodePong, MessageType, SyncMessageType } from '../../shared/protocol.js';
import type { ConnectionAccess } from '../connection/auth.js';
import type { DropName } from '../observability/metrics.js';
import type { Room, RoomMember } from '../rooms/room.js';
import { ConnectionError } from '../wire/errors.js';

/** A room member as the router sees it: with its access, and somewhere to report dropped frames. */
export interface RoutedMember extends RoomMember {
  readonly access: ConnectionAccess;
  /** Called for each frame dropped because the member may not do what it asks. */
  dropped(reason: DropName): void;
}

/**
 * What a dropped update settles with: it changed nothing, so it counts as saved once every
 * earlier frame is (the durable-save ack counts frames, and the client's count includes it).
 */
const CHANGED_NOTHING: Promise<void> = Promise.resolve();

/** Every Pong is the same frame. */
const PONG_FRAME = encodePong();

/**
 * Handles `frame` from `member` of `room`. For an update-bearing frame, returns a promise that
 * settles once what it changed is durable; null for every other frame.
 */
export function routeFrame(frame: Uint8Array, member: RoutedMember, room: Room): Promise<void> | null {
  const decoder = decoding.createDecoder(frame);
  const type = readUint(decoder);
  switch (type) {
    case MessageType.Sync:
      return routeSync(decoder, member, room);
    case MessageType.Awareness: {
      const payload = readPayload(decoder);
      if (member.access.presence) room.applyAwareness(member, payload, member.access.stamp);
      else member.dropped('read_only_presence');
      return null;
    }
    case MessageType.QueryAwareness: {
      expectEnd(decoder);
      const presence = room.awarenessFrame();
      if (presence !== null) member.send(presence);
      return null;
    }
    case MessageType.Ping:
      // Only a Tandem client sends a Ping, so the Pong it gets back is a type it reads.
      expectEnd(decoder);
      member.send(PONG_FRAME);
      return null;
    default:
      throw new ConnectionError(CloseCode.BadMessage, 'unknown_message_type');
  }
}

function routeSync(decoder: decoding.Decoder, member: RoutedMember, room: Room): Promise<void> | null {
  const subtype = readUint(decoder);
  switch (subtype) {
    case SyncMessageType.Step1:
      room.answerStep1(member, readPayload(decoder));
      return null;
    case SyncMessageType.Step2:
    case SyncMessageType.Update: {
      const update = readPayload(decoder);
      if (member.access.write) return room.applyUpdate(member, update);
      member.dropped('read_only_update');
      return CHANGED_NOTHING;
    }
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
