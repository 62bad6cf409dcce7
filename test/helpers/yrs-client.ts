/**
 * A client built on Yrs (the Rust implementation of Yjs, through `ywasm`) speaking the
 * y-websocket protocol, so tests can check that what holds for Yjs clients holds for a second
 * implementation too. Like a stock provider it answers the server's step 1, sends its own on
 * connecting, sends each local edit as an update, and reconnects with backoff after any close.
 *
 * ywasm's `onUpdate` does not fire for every local transaction, so an edit is sent as the diff
 * against the state vector from before it, not from an update event. ywasm also loses some
 * deletions (see {@link applyRemoteUpdate}), which the client makes up for.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import * as yw from 'ywasm';
import { MessageType, SyncMessageType } from '../../shared/protocol.js';

/** Shortest and longest wait before reconnecting, doubled after each failed attempt (as y-websocket). */
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 2_500;

/** The origin of updates a Yrs client applies from the server. */
const REMOTE = 'remote';

/** One simulated Yrs user. */
export class YrsClient {
  readonly doc: yw.YDoc;
  /** True after the first sync step 2 from the server on the current connection. */
  synced = false;
  /** Close codes of every connection that closed, in order. */
  readonly closeCodes: number[] = [];
  private socket: WebSocket | null = null;
  private shouldConnect = true;
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;

  constructor(
    private wsUrl: string,
    readonly name: string,
    clientID?: number,
  ) {
    this.doc = new yw.YDoc(clientID === undefined ? {} : { clientID });
    this.open();
  }

  /** Connected, with the first sync done. */
  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /** Runs `edit` on the doc and sends what it changed (if connected; else the next sync does). */
  edit(edit: (doc: yw.YDoc) => void): void {
    const before = yw.encodeStateVector(this.doc);
    edit(this.doc);
    // It carries the doc's whole delete set: what was deleted before is a no-op to the server.
    const diff = yw.encodeStateAsUpdate(this.doc, before);
    if (!isEmptyUpdate(diff)) this.sendSync(SyncMessageType.Update, diff);
  }

  /** Closes the connection and stays offline until {@link connect}. */
  disconnect(): void {
    this.shouldConnect = false;
    this.clearReconnect();
    this.socket?.close();
    this.socket = null;
    this.synced = false;
  }

  /** Connects again (to `wsUrl` if given: a restarted server may listen elsewhere). */
  connect(wsUrl: string = this.wsUrl): void {
    this.wsUrl = wsUrl;
    this.shouldConnect = true;
    if (this.socket === null) this.open();
  }

  /** Closes for good and frees the wasm doc. */
  destroy(): void {
    this.disconnect();
    this.doc.free();
  }

  private open(): void {
    this.clearReconnect();
    const socket = new WebSocket(`${this.wsUrl}/${this.name}`);
    socket.binaryType = 'nodebuffer';
    this.socket = socket;
    this.synced = false;
    socket.on('open', () => {
      this.failures = 0;
      this.sendSync(SyncMessageType.Step1, yw.encodeStateVector(this.doc));
    });
    socket.on('message', (data: Buffer) => this.receive(new Uint8Array(data)));
    socket.on('error', () => undefined);
    socket.on('close', (code) => {
      if (this.socket !== socket) return;
      this.closeCodes.push(code);
      this.socket = null;
      this.synced = false;
      if (!this.shouldConnect) return;
      const delay = Math.min(RECONNECT_MIN_MS * 2 ** this.failures++, RECONNECT_MAX_MS);
      this.reconnectTimer = setTimeout(() => this.open(), delay);
    });
  }

  private receive(frame: Uint8Array): void {
    const decoder = decoding.createDecoder(frame);
    if (decoding.readVarUint(decoder) !== MessageType.Sync) return;
    const subtype = decoding.readVarUint(decoder);
    const payload = decoding.readVarUint8Array(decoder);
    switch (subtype) {
      case SyncMessageType.Step1:
        this.sendSync(SyncMessageType.Step2, yw.encodeStateAsUpdate(this.doc, payload));
        return;
      case SyncMessageType.Step2:
        applyRemoteUpdate(this.doc, payload);
        this.synced = true;
        return;
      case SyncMessageType.Update:
        applyRemoteUpdate(this.doc, payload);
        return;
      default:
        return;
    }
  }

  private sendSync(subtype: number, payload: Uint8Array): void {
    const socket = this.socket;
    if (socket?.readyState !== WebSocket.OPEN) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageType.Sync);
    encoding.writeVarUint(encoder, subtype);
    encoding.writeVarUint8Array(encoder, payload);
    socket.send(encoding.toUint8Array(encoder));
  }

  private clearReconnect(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }
}

/**
 * Applies a v1 update from a peer to a Yrs doc, deletions included. ywasm 0.18.3 skips a whole
 * delete range when the range starts on a block it garbage-collected (y-crdt issue 605; pinned in
 * test/unit/yrs-upstream.test.ts), so a Yrs client that collected its own deleted content keeps
 * items that Yjs peers deleted in the same range, and never converges. The update's delete set
 * is applied again, each range cut where the doc's blocks start: a piece that starts on a
 * collected block then covers only that block. (Not one clock per range: a cut inside a block
 * would split an emoji's surrogate pair, which corrupts a Yrs doc's encoding.)
 */
export function applyRemoteUpdate(doc: yw.YDoc, update: Uint8Array): void {
  yw.applyUpdate(doc, update, REMOTE);
  const { ds } = Y.decodeUpdate(update);
  if (ds.clients.size === 0) return;
  const blockStarts = new Map<number, number[]>();
  for (const { id } of Y.decodeUpdate(yw.encodeStateAsUpdate(doc)).structs) {
    if (!ds.clients.has(id.client)) continue;
    let starts = blockStarts.get(id.client);
    if (starts === undefined) blockStarts.set(id.client, (starts = []));
    starts.push(id.clock);
  }
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarUint(encoder, ds.clients.size);
  for (const [client, ranges] of ds.clients) {
    const starts = blockStarts.get(client) ?? [];
    const pieces: [number, number][] = [];
    let first = 0;
    for (const { clock, len } of [...ranges].sort((a, b) => a.clock - b.clock)) {
      while (first < starts.length && (starts[first] as number) <= clock) first++;
      let from = clock;
      for (let next = first; next < starts.length && (starts[next] as number) < clock + len; next++) {
        pieces.push([from, (starts[next] as number) - from]);
        from = starts[next] as number;
      }
      pieces.push([from, clock + len - from]);
    }
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, pieces.length);
    for (const [clock, len] of pieces) {
      encoding.writeVarUint(encoder, clock);
      encoding.writeVarUint(encoder, len);
    }
  }
  yw.applyUpdate(doc, encoding.toUint8Array(encoder), REMOTE);
}

/** True for a v1 update with no structs and no deletions. */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0;
}
