/**
 * Typed transaction origins: every change applied to a room's Y.Doc says where it came from, so
 * the room persists and broadcasts what clients sent and never re-stores what it only replayed.
 */

/** A change sent by one connection of the room. The object is created once per connection. */
export interface ConnectionOrigin {
  readonly kind: 'connection';
  /** The connection's server-unique id (also in its log lines). */
  readonly connectionId: number;
}

/** The stored document, replayed while the room loads. */
export interface StorageOrigin {
  readonly kind: 'storage';
}

/** A change another instance's client sent, received through the fan-out (already stored there). */
export interface FanOutOrigin {
  readonly kind: 'fanout';
}

/**
 * Where a transaction on a room's document came from. `null` is a transaction Yjs opened itself:
 * after integrating concurrent formatting of an `XmlText` it deletes the redundant formatting
 * marks in a transaction of its own, within the apply that caused it.
 */
export type TransactionOrigin = ConnectionOrigin | StorageOrigin | FanOutOrigin | null;

/** The origin of every replay from storage. */
export const STORAGE_ORIGIN: StorageOrigin = Object.freeze({ kind: 'storage' });

/** The origin of every change received from another instance. */
export const FANOUT_ORIGIN: FanOutOrigin = Object.freeze({ kind: 'fanout' });

/** The origin for transactions sent by connection `connectionId`. */
export function connectionOrigin(connectionId: number): ConnectionOrigin {
  return Object.freeze({ kind: 'connection', connectionId });
}
