/**
 * The frames the server writes: the encoding half of what the router reads. Each is one pooled
 * buffer of its exact size (see ../bytes/var-uint.ts for why not a lib0 encoder).
 */
import { MessageType } from '../../shared/protocol.js';
import { putVarUint, varUintSize } from '../bytes/var-uint.js';

/** `[Sync, subtype, varUint8Array(payload)]`: a step 1 (state vector), step 2 or update. */
export function encodeSyncFrame(subtype: number, payload: Uint8Array): Uint8Array {
  const frame = Buffer.allocUnsafe(varUintSize(MessageType.Sync) + varUintSize(subtype) + varUintSize(payload.length) + payload.length);
  let at = putVarUint(frame, 0, MessageType.Sync);
  at = putVarUint(frame, at, subtype);
  at = putVarUint(frame, at, payload.length);
  frame.set(payload, at);
  return frame;
}

/** `[Awareness, varUint8Array(update)]` */
export function encodeAwarenessFrame(update: Uint8Array): Uint8Array {
  const frame = Buffer.allocUnsafe(awarenessHeaderSize(update.length) + update.length);
  frame.set(update, putAwarenessHeader(frame, update.length));
  return frame;
}

/** Bytes in front of an awareness update of `updateLength` bytes in its frame. */
export function awarenessHeaderSize(updateLength: number): number {
  return varUintSize(MessageType.Awareness) + varUintSize(updateLength);
}

/** Writes the header of an awareness frame at 0; returns where the update goes. */
export function putAwarenessHeader(frame: Uint8Array, updateLength: number): number {
  return putVarUint(frame, putVarUint(frame, 0, MessageType.Awareness), updateLength);
}
