/**
 * The one error type for expected connection failures. Decoding and checks throw it; the
 * connection catches it once, closes the socket with its code, logs and counts its reason.
 */
import type { CloseCode } from '../../shared/close-codes.js';

/** Why a connection is being closed, in words stable enough to be a metric label. */
export type ConnectionErrorReason =
  | 'not_binary'
  | 'undecodable'
  | 'trailing_bytes'
  | 'unknown_message_type'
  | 'update_rejected'
  | 'awareness_state_invalid'
  | 'awareness_state_too_large'
  | 'awareness_too_many_clients'
  | 'message_rate'
  | 'awareness_rate'
  | 'byte_rate'
  | 'slow_consumer'
  | 'room_load_failed'
  | 'storage_failing'
  | 'document_deleted';

/** An expected failure of one connection: close it with {@link code}; the server carries on. */
export class ConnectionError extends Error {
  constructor(
    readonly code: CloseCode,
    readonly reason: ConnectionErrorReason,
    options?: ErrorOptions,
  ) {
    super(`${reason} (close ${code})`, options);
    this.name = 'ConnectionError';
  }
}
