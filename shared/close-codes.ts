/**
 * WebSocket close codes Tandem uses. Application codes mirror an HTTP status where one fits
 * (4400 = 400 Bad Request, and so on), so they read at a glance in logs and client code.
 */
export const CloseCode = {
  /** Normal closure, e.g. the client left. */
  Normal: 1000,
  /** The server is shutting down; reconnect (to this or another instance). */
  GoingAway: 1001,
  /**
   * A frame larger than the server's `maxFrameBytes`, refused from its header before it is read
   * (the standard WebSocket code for this).
   */
  MessageTooBig: 1009,
  /** Unexpected server error while handling this connection; reconnect. */
  InternalError: 1011,
  /**
   * Slow consumer (too many unsent bytes queued) or a server that cannot serve the document now
   * (its storage is failing and healing). Reconnect later.
   */
  TryAgainLater: 1013,
  /** A frame that does not decode, an unknown message type, or an update Yjs cannot apply. */
  BadMessage: 4400,
  /** No valid token where one is required. Do not retry without a new token. */
  Unauthenticated: 4401,
  /** The token is valid but does not grant this document. Do not retry with the same token. */
  Forbidden: 4403,
  /** The document name is invalid. */
  InvalidDocumentName: 4404,
  /** No pong arrived within one heartbeat interval. */
  HeartbeatTimeout: 4408,
  /**
   * The document was deleted: while the connection was open, or recently enough that its
   * tombstone still refuses connections (so that a stale client cannot write it back).
   */
  DocumentDeleted: 4410,
  /** An awareness state exceeded its size limit. */
  TooLarge: 4413,
  /** Too many messages, bytes or connections. Back off before reconnecting. */
  RateLimited: 4429,
  /**
   * Updates this connection sent waited too long, or took too many bytes, for changes they
   * depend on, and were dropped: 424 (Failed Dependency) in the 4500 range, which stock
   * y-websocket clients treat as transient (they give up on 4400-4499). Reconnect: the resync
   * sends them again, with what they depend on if the client has it.
   */
  MissingDependencies: 4524,
  /** The token expired during the session. Fetch a new token, then reconnect. */
  TokenExpired: 4440,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Short, stable close reasons sent with each code (at most 123 bytes by the WebSocket spec). */
export const closeReason: Readonly<Record<CloseCode, string>> = {
  [CloseCode.Normal]: 'normal closure',
  [CloseCode.GoingAway]: 'server shutting down',
  [CloseCode.MessageTooBig]: 'message too big',
  [CloseCode.InternalError]: 'internal error',
  [CloseCode.TryAgainLater]: 'slow consumer or overloaded',
  [CloseCode.BadMessage]: 'bad message',
  [CloseCode.Unauthenticated]: 'unauthenticated',
  [CloseCode.Forbidden]: 'forbidden',
  [CloseCode.InvalidDocumentName]: 'invalid document name',
  [CloseCode.HeartbeatTimeout]: 'heartbeat timeout',
  [CloseCode.DocumentDeleted]: 'document deleted',
  [CloseCode.TooLarge]: 'too large',
  [CloseCode.RateLimited]: 'rate limited',
  [CloseCode.MissingDependencies]: 'missing dependencies',
  [CloseCode.TokenExpired]: 'token expired',
};

/** Close codes after which a client must not reconnect until something changes (a new token). */
export const TERMINAL_CLOSE_CODES: ReadonlySet<number> = new Set<number>([
  CloseCode.Unauthenticated,
  CloseCode.Forbidden,
  CloseCode.InvalidDocumentName,
  CloseCode.DocumentDeleted,
]);
