/** The frames the server writes: the encoding half of what the router reads. */
import * as encoding from 'lib0/encoding';
import { MessageType } from '../../shared/protocol.js';

/** `[Sync, subtype, varUint8Array(payload)]`: a step 1 (state vector), step 2 or update. */
export function encodeSyncFrame(subtype: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.Sync);
  encoding.writeVarUint(encoder, subtype);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

/** `[Awareness, varUint8Array(update)]` */
export function encodeAwarenessFrame(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.Awareness);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}
