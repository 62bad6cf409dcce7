/**
 * A fresh reader: connects to a document, asks for everything (sync step 1 with an empty state
 * vector) and returns the server's answer. Used to check convergence and to time a cold load.
 */
import { WebSocket } from 'ws';
import { EMPTY_STATE_VECTOR, readIncoming, syncStep1Frame } from './frames.js';
import { framingFor, type Protocol } from './framing.js';

/** The server's full answer to a fresh reader, with timings from the moment it started connecting. */
export interface FetchedDocument {
  update: Uint8Array;
  /** Milliseconds until the socket was open. */
  openMs: number;
  /** Milliseconds until the whole sync step 2 had arrived. */
  syncMs: number;
}

/** Connects to `url`, receives the document, closes. Rejects after `timeoutMs`. */
export function fetchDocument(url: string, protocol: Protocol = 'y-websocket', timeoutMs = 30_000): Promise<FetchedDocument> {
  const framing = framingFor(protocol, url);
  const started = performance.now();
  let openMs = Number.NaN;
  const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
  return new Promise<FetchedDocument>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no sync step 2 from ${url} within ${timeoutMs} ms`)), timeoutMs);
    let done = false;
    const finish = (outcome: FetchedDocument | Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.removeAllListeners('message');
      socket.once('error', () => {
        // Closing a socket that never opened reports an error; the outcome is already decided.
      });
      socket.close();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    socket.on('open', () => {
      openMs = performance.now() - started;
      for (const frame of framing.opening) socket.send(frame);
      socket.send(framing.wrap(syncStep1Frame(EMPTY_STATE_VECTOR)));
    });
    socket.on('message', (data: Buffer) => {
      const incoming = readIncoming(framing.unwrap(data));
      if (incoming.kind !== 'step2') return;
      const syncMs = performance.now() - started;
      finish({ update: Uint8Array.from(incoming.update), openMs, syncMs });
    });
    socket.on('close', (code) => finish(new Error(`socket to ${url} closed (${code}) before sync step 2`)));
    socket.on('error', (error) => finish(error));
  });
}
