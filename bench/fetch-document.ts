/**
 * A fresh reader: connects to a document, asks for everything (sync step 1 with an empty state
 * vector), applies what the server sends into its own Y.Doc and stops once it holds the whole
 * document. Used to check convergence and to time cold and warm loads.
 */
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { EMPTY_STATE_VECTOR, readIncoming, syncStep1Frame } from './frames.js';
import { framingFor, type Protocol } from './framing.js';

/** A reader that holds a document, with timings from the moment it started connecting. */
export interface JoinedDocument {
  doc: Y.Doc;
  /** Milliseconds until the socket was open. */
  openMs: number;
  /** Milliseconds until the server's sync step 2 had arrived (not yet applied). */
  step2Ms: number;
  /** Milliseconds until the reader had applied what it got and held the whole document. */
  heldMs: number;
  /** Of `heldMs`, the reader's own time in `Y.applyUpdate` (client cost, not server). */
  applyMs: number;
  /** Bytes of updates received. */
  bytes: number;
  /** Closes the socket (the reader keeps its doc). */
  close(): Promise<void>;
}

/** How to join. */
export interface JoinOptions {
  protocol?: Protocol;
  /**
   * True once the reader's doc holds the whole document, checked after sync step 2 and after
   * every update that follows it (a server may answer step 1 before its own load has finished
   * and send the stored state as an update afterwards). Default: step 2 alone is enough.
   */
  holds?: (doc: Y.Doc) => boolean;
  timeoutMs?: number;
}

/**
 * Connects to `url` and resolves once the reader holds the document, leaving the socket open
 * (so that a server keeps the document loaded) until `close()`. Rejects after `timeoutMs`.
 */
export function joinDocument(url: string, options: JoinOptions = {}): Promise<JoinedDocument> {
  const { protocol = 'y-websocket', holds = () => true, timeoutMs = 60_000 } = options;
  const framing = framingFor(protocol, url);
  const doc = new Y.Doc();
  const started = performance.now();
  let openMs = Number.NaN;
  let step2Ms = Number.NaN;
  let applyMs = 0;
  let bytes = 0;
  const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs, maxPayload: 2 ** 30 });
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      if (socket.readyState === WebSocket.CLOSED) return resolve();
      socket.once('close', () => resolve());
      socket.close();
    });
  return new Promise<JoinedDocument>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${url} not held within ${timeoutMs} ms`)), timeoutMs);
    let done = false;
    const fail = (error: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.removeAllListeners('message');
      socket.once('error', () => {
        // Closing a socket that never opened reports an error; the outcome is already decided.
      });
      socket.close();
      doc.destroy();
      reject(error);
    };
    socket.on('open', () => {
      openMs = performance.now() - started;
      for (const frame of framing.opening) socket.send(frame);
      socket.send(framing.wrap(syncStep1Frame(EMPTY_STATE_VECTOR)));
    });
    socket.on('message', (data: Buffer) => {
      if (done) return;
      const incoming = readIncoming(framing.unwrap(data));
      if (incoming.kind !== 'step2' && incoming.kind !== 'update') return;
      if (incoming.kind === 'step2' && Number.isNaN(step2Ms)) step2Ms = performance.now() - started;
      const applyStarted = performance.now();
      Y.applyUpdate(doc, incoming.update);
      applyMs += performance.now() - applyStarted;
      bytes += incoming.update.length;
      if (Number.isNaN(step2Ms) || !holds(doc)) return;
      done = true;
      clearTimeout(timer);
      socket.removeAllListeners('message');
      resolve({ doc, openMs, step2Ms, heldMs: performance.now() - started, applyMs, bytes, close });
    });
    socket.on('close', (code) => fail(new Error(`socket to ${url} closed (${code}) before the document was held`)));
    socket.on('error', (error) => fail(error));
  });
}

/** The server's whole document as one update, read by a fresh reader that then disconnects. */
export async function fetchDocument(url: string, options: JoinOptions = {}): Promise<Uint8Array> {
  const joined = await joinDocument(url, options);
  await joined.close();
  const update = Y.encodeStateAsUpdate(joined.doc);
  joined.doc.destroy();
  return update;
}
