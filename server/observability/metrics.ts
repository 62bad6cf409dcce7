/**
 * Prometheus metrics. Each server owns its own Registry (not prom-client's global one) because
 * tests run several servers in one process. Hot-path series are bound to their labels once, so
 * counting a message is one addition, not a label lookup.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { FRAME_KINDS, frameKind, type FrameKind } from '../wire/frame-kind.js';

/** Why a limit refused something; the `limit` label of `tandem_limit_hits_total`. */
export type LimitName =
  | 'max_frame_bytes'
  | 'messages_per_second'
  | 'bytes_per_second'
  | 'max_connections_per_ip'
  | 'max_connections_per_room'
  | 'max_loaded_rooms'
  | 'max_unsent_bytes'
  | 'max_awareness_state_bytes'
  | 'max_awareness_clients_per_connection'
  | 'awareness_foreign_client'
  | 'connection_attempts_per_minute'
  | 'awareness_updates_per_second'
  | 'handshake_timeout_ms'
  | 'max_header_bytes'
  | 'max_conversion_bytes'
  | 'max_conversion_nodes'
  | 'max_conversion_depth'
  | 'conversion_timeout_ms'
  | 'max_conversion_heap_mb'
  | 'max_queued_conversions'
  | 'max_pending_update_bytes'
  | 'max_pending_update_age_ms';

/** Why an upgrade was refused for who or where the client is; the `reason` label of `tandem_refusals_total`. */
export type RefusalName = 'unauthenticated' | 'forbidden' | 'expired' | 'invalid_name' | 'auth_unavailable' | 'origin';

/** Why a frame was dropped without closing its connection; the `reason` label of `tandem_dropped_frames_total`. */
export type DropName = 'read_only_update' | 'read_only_presence';

const KIND_INDEX: Readonly<Record<FrameKind, number>> = Object.fromEntries(FRAME_KINDS.map((kind, i) => [kind, i])) as Record<FrameKind, number>;

/**
 * Frame and byte tallies in plain arrays, copied into the Prometheus counters only when scraped:
 * prom-client hashes the label set on every `inc`, too slow for once per frame per peer.
 */
interface Tally {
  readonly messages: Float64Array;
  readonly bytes: Float64Array;
}

function createTally(): Tally {
  return { messages: new Float64Array(FRAME_KINDS.length), bytes: new Float64Array(FRAME_KINDS.length) };
}

/** The server's instruments. */
export interface ServerMetrics {
  readonly registry: Registry;
  readonly connections: Gauge;
  readonly roomsLoaded: Gauge;
  readonly roomLoads: Counter;
  readonly roomUnloads: Counter;
  readonly applySeconds: Histogram;
  readonly persistSeconds: Histogram;
  /** Counts one received frame. */
  received(frame: Uint8Array): void;
  /** Counts one frame sent. */
  sent(frame: Uint8Array): void;
  /** Counts a closed connection by its close code. */
  closed(code: number): void;
  /** Counts a refusal by a limit. */
  limitHit(limit: LimitName): void;
  /** Counts a frame refused as bad input, by reason. */
  badMessage(reason: string): void;
  /** Counts an upgrade refused for who or where the client is (token, document, name, origin). */
  refused(reason: RefusalName): void;
  /** Counts a failure (throw, rejection or timeout) of one of the app's hooks, by hook name. */
  hookError(hook: string): void;
  /** Counts a frame dropped because the connection may not do what it asks (read-only). */
  dropped(reason: DropName): void;
  /** The Prometheus text exposition. */
  render(): Promise<string>;
}

const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

function count(tally: Tally, frame: Uint8Array): void {
  const i = KIND_INDEX[frameKind(frame)];
  tally.messages[i] = (tally.messages[i] ?? 0) + 1;
  tally.bytes[i] = (tally.bytes[i] ?? 0) + frame.length;
}

/** Copies both tallies into `counter` (reset first: the tallies are the running totals). */
function exportTallies(counter: Counter<'direction' | 'type'>, pick: (tally: Tally) => Float64Array, incoming: Tally, outgoing: Tally): void {
  counter.reset();
  for (const [direction, tally] of [
    ['in', incoming],
    ['out', outgoing],
  ] as const) {
    const values = pick(tally);
    FRAME_KINDS.forEach((type, i) => {
      if (values[i]) counter.inc({ direction, type }, values[i]);
    });
  }
}

/** Instruments registered in a fresh Registry, with Node's process metrics alongside. */
export function createMetrics(): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  const incoming = createTally();
  const outgoing = createTally();
  new Counter({
    name: 'tandem_messages_total',
    help: 'WebSocket frames by direction and message type',
    labelNames: ['direction', 'type'] as const,
    registers,
    collect() {
      exportTallies(this, (tally) => tally.messages, incoming, outgoing);
    },
  });
  new Counter({
    name: 'tandem_bytes_total',
    help: 'WebSocket payload bytes by direction and message type',
    labelNames: ['direction', 'type'] as const,
    registers,
    collect() {
      exportTallies(this, (tally) => tally.bytes, incoming, outgoing);
    },
  });
  const closes = new Counter({
    name: 'tandem_connection_closes_total',
    help: 'Closed connections by close code',
    labelNames: ['code'] as const,
    registers,
  });
  const limits = new Counter({
    name: 'tandem_limit_hits_total',
    help: 'Connections, frames, states or conversions refused by a limit',
    labelNames: ['limit'] as const,
    registers,
  });
  const byReason = (name: string, help: string): Counter<'reason'> => new Counter({ name, help, labelNames: ['reason'] as const, registers });
  const bad = byReason('tandem_bad_messages_total', 'Frames refused as bad input, by reason');
  const refusals = byReason('tandem_refusals_total', 'Upgrades refused for the token, the document, its name or the origin, by reason');
  const hookErrors = new Counter({
    name: 'tandem_hook_errors_total',
    help: "Failures (throws, rejections, timeouts) of the app's authenticate and lifecycle hooks, by hook",
    labelNames: ['hook'] as const,
    registers,
  });
  const drops = byReason('tandem_dropped_frames_total', 'Frames dropped without closing the connection (read-only writes and presence), by reason');
  // Bound once: a read-only client's dropped frames are counted per frame.
  const dropsByReason: Readonly<Record<DropName, { inc(): void }>> = {
    read_only_update: drops.labels('read_only_update'),
    read_only_presence: drops.labels('read_only_presence'),
  };
  return {
    registry,
    connections: new Gauge({ name: 'tandem_connections', help: 'Open WebSocket connections', registers }),
    roomsLoaded: new Gauge({ name: 'tandem_rooms_loaded', help: 'Documents loaded in memory', registers }),
    roomLoads: new Counter({ name: 'tandem_room_loads_total', help: 'Documents loaded from storage', registers }),
    roomUnloads: new Counter({ name: 'tandem_room_unloads_total', help: 'Documents unloaded from memory', registers }),
    applySeconds: new Histogram({
      name: 'tandem_update_apply_seconds',
      help: 'Time to apply one received update to the document',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    persistSeconds: new Histogram({
      name: 'tandem_persist_seconds',
      help: 'Time from handing a batch of updates to storage until it is durable',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    received(frame) {
      count(incoming, frame);
    },
    sent(frame) {
      count(outgoing, frame);
    },
    closed(code) {
      closes.inc({ code: String(code) });
    },
    limitHit(limit) {
      limits.inc({ limit });
    },
    badMessage(reason) {
      bad.inc({ reason });
    },
    refused(reason) {
      refusals.inc({ reason });
    },
    hookError(hook) {
      hookErrors.inc({ hook });
    },
    dropped(reason) {
      dropsByReason[reason].inc();
    },
    render() {
      return registry.metrics();
    },
  };
}
