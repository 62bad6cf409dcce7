/**
 * One simulated writer on a raw `ws` socket: it does the y-websocket handshake, sends
 * precomputed keystrokes and awareness states when told to, and hands what it receives to the
 * ledger. No provider and no Y.Doc, so that hundreds of them fit in one light process.
 */
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { EMPTY_STATE_VECTOR, awarenessFrame, readIncoming, syncStep1Frame, syncStep2Frame } from './frames.js';
import type { Framing } from './framing.js';
import type { Ledger, Reader, Writer } from './ledger.js';

/** What a client needs to know to join. */
export interface LoadClientOptions {
  /** Document URL, e.g. `ws://127.0.0.1:4321/bench-3`. */
  url: string;
  clientId: number;
  /** Precomputed sync-update frames, one per keystroke, framed with `framing`. */
  frames: Uint8Array[];
  /** The same keystrokes as bare updates (to answer a sync step 1 after typing began). */
  updates: Uint8Array[];
  /** Awareness states as JSON, sent in turn. */
  awarenessStates: readonly string[];
  ledger: Ledger;
  /** How the target carries messages; every frame this client sends or reads goes through it. */
  framing: Framing;
}

/** A simulated writer and reader of one document. */
export class LoadClient implements Writer, Reader {
  readonly clientId: number;
  readonly frames: Uint8Array[];
  readonly sendTimes: Float64Array;
  readonly nextClock = new Map<number, number>();
  readonly writer: Writer = this;
  sent = 0;
  awarenessSent = 0;
  /** Highest durable-save count the server acknowledged (only with `?tandem=1`). */
  savedCount = 0;
  /** Close code, if the socket closed. */
  closeCode: number | null = null;
  private readonly url: string;
  private socket: WebSocket | null = null;
  private readonly updates: Uint8Array[];
  private readonly awarenessStates: readonly string[];
  private readonly ledger: Ledger;
  private readonly framing: Framing;
  private synced = false;

  constructor(options: LoadClientOptions) {
    this.clientId = options.clientId;
    this.frames = options.frames;
    this.updates = options.updates;
    this.sendTimes = new Float64Array(options.frames.length);
    this.awarenessStates = options.awarenessStates;
    this.ledger = options.ledger;
    this.url = options.url;
    this.framing = options.framing;
  }

  /**
   * Connects and sends sync step 1. With `awaitServerSync` (a server that holds the
   * document) resolves once the server's step 2 arrived; a relay has no state to send.
   */
  async join(awaitServerSync: boolean, timeoutMs = 20_000): Promise<void> {
    const socket = new WebSocket(this.url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    this.socket = socket;
    socket.on('message', (data: Buffer) => this.receive(data));
    socket.on('close', (code) => {
      this.closeCode = code;
    });
    socket.on('error', () => {
      // The close event follows and records the code; the run reports unexpected closes.
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('close', (code) => reject(new Error(`socket closed (${code}) before opening`)));
    });
    for (const frame of this.framing.opening) socket.send(frame);
    socket.send(this.framing.wrap(syncStep1Frame(EMPTY_STATE_VECTOR)));
    if (!awaitServerSync) return;
    const deadline = Date.now() + timeoutMs;
    while (!this.synced) {
      if (this.closeCode !== null) throw new Error(`socket closed (${this.closeCode}) during the handshake`);
      if (Date.now() > deadline) throw new Error('no sync step 2 from the server');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Sends the next keystroke; false when every precomputed one was sent. */
  sendEdit(): boolean {
    const frame = this.frames[this.sent];
    if (frame === undefined || this.socket === null || this.closeCode !== null) return false;
    this.sendTimes[this.sent] = performance.now();
    this.sent += 1;
    this.socket.send(frame);
    return true;
  }

  /** Sends the next awareness state (clock + 1). */
  sendAwareness(): void {
    if (this.socket === null || this.closeCode !== null) return;
    const json = this.awarenessStates[this.awarenessSent % this.awarenessStates.length] ?? 'null';
    this.awarenessSent += 1;
    this.socket.send(this.framing.wrap(awarenessFrame(this.clientId, this.awarenessSent, json)));
  }

  /** The keystrokes sent so far, as bare updates in typing order. */
  sentUpdates(): Uint8Array[] {
    return this.updates.slice(0, this.sent);
  }

  /** Closes the socket and resolves when it is closed. */
  close(): Promise<void> {
    const socket = this.socket;
    if (socket === null || this.closeCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.close(1000);
    });
  }

  private receive(data: Buffer): void {
    const now = performance.now();
    const incoming = readIncoming(this.framing.unwrap(data));
    switch (incoming.kind) {
      case 'update':
        this.ledger.receiveUpdate(this, incoming.update, now);
        break;
      case 'awareness':
        this.ledger.receiveAwareness(incoming.states, now);
        break;
      case 'step1':
        // Answer like a provider: with everything typed so far (nothing, during the handshake).
        this.socket?.send(this.framing.wrap(syncStep2Frame(Y.mergeUpdates(this.sentUpdates()))));
        break;
      case 'step2':
        this.synced = true;
        break;
      case 'saved':
        this.savedCount = Math.max(this.savedCount, incoming.count);
        break;
      case 'other':
        break;
    }
  }
}

/**
 * Connects clients `concurrency` at a time (by default a few dozen: a burst of hundreds of
 * handshakes only measures the backlog).
 */
export async function joinAll(clients: readonly LoadClient[], awaitServerSync: boolean, concurrency = 25): Promise<void> {
  for (let i = 0; i < clients.length; i += concurrency) {
    await Promise.all(clients.slice(i, i + concurrency).map((client) => client.join(awaitServerSync)));
  }
}

/** Close codes of the clients whose socket closed, with counts. */
export function closeCounts(clients: readonly LoadClient[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const client of clients) {
    if (client.closeCode !== null) counts[client.closeCode] = (counts[client.closeCode] ?? 0) + 1;
  }
  return counts;
}
