/**
 * Every limit the server enforces, with its default. Each doc comment names what the limit stops.
 * The server's config exposes each one as a flag and an environment variable.
 */
export interface Limits {
  /**
   * Largest WebSocket frame accepted, in bytes. Stops one message from exhausting memory or
   * stalling the event loop while Yjs decodes it. Exceeding it closes with 1009, read from the
   * frame header before the frame is buffered.
   */
  maxFrameBytes: number;
  /**
   * Sustained messages per second per connection (token bucket refill). Stops a client from
   * flooding a room or the server's CPU. Exceeding the bucket closes with 4429.
   */
  messagesPerSecond: number;
  /** Token bucket size for messages: how large a burst is tolerated before the rate applies. */
  messageBurst: number;
  /** Sustained bytes per second per connection. Stops bandwidth floods with few large messages. */
  bytesPerSecond: number;
  /** Token bucket size for bytes. Must be at least {@link maxFrameBytes}. */
  byteBurst: number;
  /** Concurrent connections from one IP address. Stops one host from taking every socket. */
  maxConnectionsPerIp: number;
  /** Concurrent connections to one document. Stops fan-out cost from growing without bound. */
  maxConnectionsPerRoom: number;
  /** Documents loaded in memory at once. Stops memory exhaustion by opening many documents. */
  maxLoadedRooms: number;
  /**
   * Bytes queued for one connection but not yet sent. Stops a client that stops reading from
   * growing server memory without bound; exceeding it closes with 1013 and the client resyncs.
   */
  maxUnsentBytes: number;
  /** Size of one encoded awareness state. Stops presence from being used to broadcast bulk data. */
  maxAwarenessStateBytes: number;
  /**
   * Awareness client ids one connection may introduce (a stock client introduces one). Stops a
   * connection from filling a room's memory with states under ever new ids; exceeding it closes
   * with 4413.
   */
  maxAwarenessClientsPerConnection: number;
  /**
   * WebSocket upgrade attempts per minute from one IP address (token bucket: a full minute's worth
   * may come at once, e.g. every tab reconnecting after a restart). Stops one host from making the
   * server verify tokens and open sockets in a tight loop; past it the upgrade is refused with
   * HTTP 429 before anything else is done.
   */
  connectionAttemptsPerMinute: number;
  /**
   * Sustained awareness (presence) messages per second per connection. Stops one client from
   * making the server parse and re-broadcast presence churn to every peer; our client sends at
   * most 30 per second and a stock client also echoes the room's broadcasts (at most 50 per
   * second). Exceeding {@link awarenessBurst} closes with 4429.
   */
  awarenessUpdatesPerSecond: number;
  /** Token bucket size for awareness messages: how large a burst is tolerated before the rate applies. */
  awarenessBurst: number;
  /**
   * Milliseconds a client has to send its complete HTTP request headers (the upgrade request
   * included) and, with TLS, to finish the TLS handshake. Stops slowloris: sockets held open by
   * requests that trickle in and never complete. Past it the socket gets HTTP 408 and is closed.
   */
  handshakeTimeoutMs: number;
  /**
   * Largest size of one request's HTTP headers, in bytes (the upgrade URL and its token
   * included). Stops a client from making the server buffer headers without bound; past it the
   * socket gets HTTP 431 and is closed.
   */
  maxHeaderBytes: number;
  /**
   * Largest HTML, Markdown, text or JSON body a document import converts, in bytes (a Yjs body is
   * bounded by {@link maxFrameBytes} like any sync message). Stops a body that is cheap to send
   * from costing the server a parse proportional to its size; past it the import is refused with
   * HTTP 413 before any work is done.
   */
  maxConversionBytes: number;
  /**
   * Most nodes (blocks and text runs) one imported or exported document may have. Stops a small
   * body that expands into a huge document (megabytes of `<p>x</p>` or of newlines) from building
   * an update that the room applies on the event loop (the one part of an import that stays
   * there), and every member after it; past it the conversion answers HTTP 413.
   */
  maxConversionNodes: number;
  /**
   * Deepest nesting of nodes a conversion accepts. Stops deeply nested HTML, Markdown (`>>>>`) or
   * JSON from overflowing the recursive parsers; past it the conversion answers HTTP 422.
   */
  maxConversionDepth: number;
  /**
   * Milliseconds one conversion may run in its worker thread. Stops content that is slow to parse
   * (a megabyte of `[` as Markdown) from holding a worker, and with it every later conversion;
   * past it the worker is terminated and replaced and the request answers HTTP 422.
   */
  conversionTimeoutMs: number;
  /**
   * Heap of each conversion worker thread, in MiB. Stops a conversion that builds a huge DOM or
   * document from exhausting the server's memory; past it the worker dies alone, is replaced, and
   * the request answers HTTP 413.
   */
  maxConversionHeapMb: number;
  /**
   * Worker threads converting documents at once. Stops hostile conversions from taking every core
   * away from the rooms' event loop.
   */
  conversionWorkers: number;
  /**
   * Conversions waiting for a worker. Stops a loop of imports or exports from queueing work (and
   * request bodies) without bound; past it a request answers HTTP 503 with Retry-After.
   */
  maxQueuedConversions: number;
  /**
   * Bytes of updates one room holds while they wait for changes they depend on (structs starting
   * above a client's known clock, deletions of clocks not yet seen). Stops a writer from growing
   * a room's memory, and the work every later update costs, with updates that can never
   * integrate. Past it, what waits is dropped and the connections that sent it are closed with
   * 4524; they resync on reconnecting. A sibling tab's few keystrokes that arrived first over
   * BroadcastChannel stay far below it.
   */
  maxPendingUpdateBytes: number;
  /**
   * Milliseconds an update may wait for changes it depends on. Stops a writer from keeping
   * updates that never integrate in a room forever, a little at a time. Past it, what waits is
   * dropped and the connections that sent it are closed with 4524; on reconnecting a client
   * sends everything the server lacks, the missing changes included if it has them.
   */
  maxPendingUpdateAgeMs: number;
}

/** Defaults suited to a public deployment of human writers; raise them for scripted clients. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFrameBytes: 8 * 1024 * 1024,
  messagesPerSecond: 500,
  messageBurst: 1000,
  bytesPerSecond: 4 * 1024 * 1024,
  byteBurst: 16 * 1024 * 1024,
  maxConnectionsPerIp: 100,
  maxConnectionsPerRoom: 500,
  maxLoadedRooms: 10_000,
  maxUnsentBytes: 16 * 1024 * 1024,
  maxAwarenessStateBytes: 8 * 1024,
  maxAwarenessClientsPerConnection: 8,
  connectionAttemptsPerMinute: 300,
  awarenessUpdatesPerSecond: 100,
  awarenessBurst: 200,
  handshakeTimeoutMs: 10_000,
  maxHeaderBytes: 16 * 1024,
  maxConversionBytes: 2 * 1024 * 1024,
  maxConversionNodes: 10_000,
  maxConversionDepth: 100,
  conversionTimeoutMs: 10_000,
  maxConversionHeapMb: 512,
  conversionWorkers: 1,
  maxQueuedConversions: 8,
  maxPendingUpdateBytes: 1024 * 1024,
  maxPendingUpdateAgeMs: 10_000,
});
