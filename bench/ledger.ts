/**
 * Delivery accounting for one run: which keystroke each receiver got from each writer, when it
 * was sent, and what that says about throughput, latency and loss.
 *
 * A keystroke is known by its writer's client id and its clock (one clock per typed character),
 * so a server may relay the sender's bytes or merge several keystrokes into one update: both are
 * recognised. Receivers must see each writer's clocks in order; a skipped clock is a loss.
 */
import { Histogram } from './histogram.js';
import { clockRanges, singleStructHead } from './frames.js';

/** One simulated writer as the ledger sees it. */
export interface Writer {
  readonly clientId: number;
  /** Whole sync-update frames, one per keystroke; index = clock. */
  readonly frames: readonly Uint8Array[];
  /** Send time (performance.now()) of each keystroke sent so far; index = clock. */
  readonly sendTimes: Float64Array;
  /** Keystrokes sent so far. */
  readonly sent: number;
}

/** One simulated reader: the next clock it expects from each writer. */
export interface Reader {
  readonly writer: Writer;
  readonly nextClock: Map<number, number>;
}

/** Counts and latencies of one run. */
export class Ledger {
  /** Edit-to-peer latency of keystrokes sent inside the window, in ms. */
  readonly latency = new Histogram();
  /** Measurement window, in performance.now() time; nothing counts before it is opened. */
  windowStart = Number.POSITIVE_INFINITY;
  windowEnd = Number.POSITIVE_INFINITY;
  /** Keystroke deliveries (keystroke x receiving peer) received inside the window. */
  deliveredInWindow = 0;
  /** Awareness states received inside the window. */
  awarenessInWindow = 0;
  /** All keystroke deliveries, in order, ever received. */
  delivered = 0;
  /** Clocks a receiver never got because a later one came first. */
  skipped = 0;
  /** Deliveries of keystrokes the receiver already had. */
  duplicates = 0;
  /** Deliveries of a receiver's own keystrokes back to it. */
  echoes = 0;
  /** Clock ranges from writers the ledger does not know. */
  unknown = 0;
  private readonly writers = new Map<number, Writer>();

  /** Makes a writer's keystrokes recognisable. */
  addWriter(writer: Writer): void {
    this.writers.set(writer.clientId, writer);
  }

  /** Accounts for one update that `reader` received at `now`. */
  receiveUpdate(reader: Reader, update: Uint8Array, now: number): void {
    const head = singleStructHead(update);
    if (head !== null) {
      const writer = this.writers.get(head.client);
      const frame = writer?.frames[head.clock];
      if (writer !== undefined && frame !== undefined && endsWith(frame, update)) {
        this.deliver(reader, writer, head.clock, head.clock + 1, now);
        return;
      }
    }
    for (const [client, from, to] of clockRanges(update)) {
      const writer = this.writers.get(client);
      if (writer === undefined) this.unknown += 1;
      else this.deliver(reader, writer, from, to, now);
    }
  }

  /** Accounts for an awareness message of `states` states received at `now`. */
  receiveAwareness(states: number, now: number): void {
    if (now >= this.windowStart && now < this.windowEnd) this.awarenessInWindow += states;
  }

  /** Keystrokes of `writer` that `reader` has not received yet. */
  missing(reader: Reader, writer: Writer): number {
    return writer.sent - (reader.nextClock.get(writer.clientId) ?? 0);
  }

  private deliver(reader: Reader, writer: Writer, from: number, to: number, now: number): void {
    if (writer === reader.writer) {
      this.echoes += to - from;
      return;
    }
    const next = reader.nextClock.get(writer.clientId) ?? 0;
    if (from > next) this.skipped += from - next;
    if (to <= next) {
      this.duplicates += to - from;
      return;
    }
    const inWindow = now >= this.windowStart && now < this.windowEnd;
    for (let clock = Math.max(from, next); clock < to; clock++) {
      const sentAt = writer.sendTimes[clock] ?? Number.NaN;
      if (sentAt >= this.windowStart && sentAt < this.windowEnd) this.latency.record(now - sentAt);
      if (inWindow) this.deliveredInWindow += 1;
      this.delivered += 1;
    }
    reader.nextClock.set(writer.clientId, to);
  }
}

/** True when the last bytes of `frame` are exactly `tail`. */
function endsWith(frame: Uint8Array, tail: Uint8Array): boolean {
  const offset = frame.length - tail.length;
  if (offset < 0) return false;
  for (let i = 0; i < tail.length; i++) if (frame[offset + i] !== tail[i]) return false;
  return true;
}
