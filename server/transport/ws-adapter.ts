/**
 * The only file that imports `ws`. It completes upgrades the HTTP gate has accepted and adapts
 * each `ws` socket to the server's {@link PeerSocket} seam.
 *
 * `maxPayload` makes `ws` refuse an oversized frame from its header, before buffering it, and
 * close with 1009 (message too big): a frame over the limit never occupies memory.
 * Compression is off: it costs CPU per message and memory per socket (zlib contexts), and Yjs
 * updates are already compact.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { PeerEvents, PeerSocket } from '../connection/socket.js';

/** Accepts WebSocket upgrades and hands each socket to `open`. */
export interface WebSocketAcceptor {
  /** Completes the upgrade of `request`; `open` receives the socket and returns its event handlers. */
  accept(request: IncomingMessage, socket: Duplex, head: Buffer, open: (peer: PeerSocket) => PeerEvents): void;
  /** Stops the acceptor; open sockets are the server's to close. */
  close(): void;
}

const SEND_OPTIONS = { binary: true, compress: false } as const;

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/**
 * A `ws` socket as a {@link PeerSocket}. A class rather than an object of closures: its methods
 * live once on the prototype, not five closures per connection.
 */
class WsPeer implements PeerSocket {
  constructor(private readonly ws: WebSocket) {}

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(frame: Uint8Array): void {
    this.ws.send(frame, SEND_OPTIONS);
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  ping(): void {
    this.ws.ping();
  }
}

/** An acceptor refusing frames larger than `maxFrameBytes`. */
export function createWebSocketAcceptor(maxFrameBytes: number): WebSocketAcceptor {
  const server = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: maxFrameBytes, clientTracking: false });
  return {
    accept(request, socket, head, open) {
      server.handleUpgrade(request, socket, head, (ws) => {
        const events = open(new WsPeer(ws));
        ws.on('message', (data, isBinary) => events.onMessage(toBytes(data), isBinary));
        ws.on('pong', () => events.onPong());
        ws.once('close', (code) => events.onClose(code));
        // Errors (bad frames, resets) are followed by 'close', which does the cleanup; the
        // listener only keeps an unhandled 'error' from crashing the process.
        ws.on('error', () => undefined);
      });
    },
    close() {
      server.close();
    },
  };
}
