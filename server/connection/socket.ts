/**
 * The socket seam: what a connection needs from a WebSocket. The transport adapter
 * (transport/ws-adapter.ts) implements it; nothing else in the server knows the socket library.
 */

/** One accepted WebSocket, as the connection sees it. */
export interface PeerSocket {
  /** Bytes queued for the peer but not yet handed to the network. */
  readonly bufferedAmount: number;
  /** Queues one binary frame; the bytes must not change afterwards (they may be shared). */
  send(frame: Uint8Array): void;
  /** Starts the closing handshake with `code`. */
  close(code: number, reason: string): void;
  /** Drops the connection without a handshake. */
  terminate(): void;
  /** Sends a WebSocket ping; the peer's pong arrives as {@link PeerEvents.onPong}. */
  ping(): void;
}

/** What the transport reports about one socket, in order. */
export interface PeerEvents {
  /** A whole frame; `binary` is false for a text frame. */
  onMessage(frame: Uint8Array, binary: boolean): void;
  onPong(): void;
  /** The socket is closed (by either side); called exactly once. */
  onClose(code: number): void;
}
