/**
 * Fan-out over a pub/sub transport (Redis in production): one channel per document, messages
 * tagged with the sending instance so nobody applies its own echo, instance liveness through
 * expiring keys, and a resync of every loaded document when the transport comes back.
 */
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../observability/logger.js';
import type { DocumentChannel, FanOut, FanOutPeer } from './fanout.js';
import { FanOutKind, decodeFanOutMessage, encodeFanOutMessage, type FanOutMessage } from './fanout-messages.js';

/** What the fan-out needs from a pub/sub service; redis-fanout.ts implements it. */
export interface PubSub {
  subscribe(channel: string): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  /** Rejects when the message could not be handed over (e.g. the service is down). */
  publish(channel: string, message: Uint8Array): Promise<void>;
  /** Sets `key` to expire after `ttlMs` unless renewed. */
  renew(key: string, ttlMs: number): Promise<void>;
  /** For each key, whether it exists. */
  exists(keys: readonly string[]): Promise<boolean[]>;
  /** True while both publishing and receiving work. */
  isUp(): boolean;
  close(): Promise<void>;
}

/** What the transport reports to the fan-out. */
export interface PubSubEvents {
  message(channel: string, message: Uint8Array): void;
  /** The transport (re)connected after being down; subscriptions are restored. */
  up(): void;
}

/** Timing of liveness and resync; the defaults suit production, tests shorten them. */
export interface ClusterTiming {
  /** How long an instance's liveness key lives without renewal (default 3 000 ms). */
  livenessTtlMs: number;
  /** How often the key is renewed and peers' keys are checked (default 1 000 ms). */
  livenessIntervalMs: number;
  /**
   * How often every loaded document exchanges state vectors with its peers (default 10 000 ms):
   * pub/sub delivers at most once, so this bounds how long a lost message stays missing.
   */
  resyncIntervalMs: number;
}

/** Default {@link ClusterTiming}. */
export const DEFAULT_CLUSTER_TIMING: ClusterTiming = Object.freeze({
  livenessTtlMs: 3_000,
  livenessIntervalMs: 1_000,
  resyncIntervalMs: 10_000,
});

const CHANNEL_PREFIX = 'tandem:doc:';
const LIVENESS_PREFIX = 'tandem:instance:';

/** A document's channel name. */
export function documentChannel(name: string): string {
  return `${CHANNEL_PREFIX}${name}`;
}

class Channel implements DocumentChannel {
  peer: FanOutPeer | null = null;
  buffered: FanOutMessage[] = [];

  constructor(
    private readonly fanOut: ClusterFanOut,
    readonly name: string,
  ) {}

  attach(peer: FanOutPeer): void {
    this.peer = peer;
    const buffered = this.buffered;
    this.buffered = [];
    for (const message of buffered) this.fanOut.deliver(peer, message);
  }

  publishUpdate(update: Uint8Array): void {
    this.fanOut.publish(this.name, { kind: FanOutKind.Update, from: this.fanOut.instanceId, update });
  }

  publishAwareness(connectionId: number, payload: Uint8Array): void {
    this.fanOut.publish(this.name, { kind: FanOutKind.Awareness, from: this.fanOut.instanceId, connectionId, payload });
  }

  requestSync(stateVector: Uint8Array, answer: boolean): void {
    this.fanOut.publish(this.name, { kind: FanOutKind.SyncRequest, from: this.fanOut.instanceId, stateVector, answer });
  }

  close(): void {
    this.peer = null;
    this.fanOut.release(this);
  }
}

/** The cluster fan-out of one instance. */
export class ClusterFanOut implements FanOut {
  private readonly channels = new Map<string, Channel>();
  /** Loaded documents whose subscription failed while Redis stayed up; retried every resync tick. */
  private readonly unsubscribed = new Set<string>();
  /** Instances whose clients have presence here, so their liveness is watched. */
  private readonly peers = new Set<string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly published: Counter<'kind'>;
  private readonly received: Counter<'kind'>;
  private readonly failures: Counter<'reason'>;
  private checking = false;

  constructor(
    readonly instanceId: string,
    private readonly pubsub: PubSub,
    private readonly logger: Logger,
    registry: Registry,
    private readonly timing: ClusterTiming = DEFAULT_CLUSTER_TIMING,
  ) {
    const registers = [registry];
    this.published = new Counter({ name: 'tandem_fanout_published_total', help: 'Fan-out messages published, by kind', labelNames: ['kind'], registers });
    this.received = new Counter({
      name: 'tandem_fanout_received_total',
      help: 'Fan-out messages received from other instances, by kind',
      labelNames: ['kind'],
      registers,
    });
    this.failures = new Counter({
      name: 'tandem_fanout_failures_total',
      help: 'Fan-out messages not published or not readable',
      labelNames: ['reason'],
      registers,
    });
    this.timers.push(setInterval(() => void this.checkLiveness(), timing.livenessIntervalMs));
    this.timers.push(
      setInterval(() => {
        void this.resubscribeFailed();
        this.resyncAll();
      }, timing.resyncIntervalMs),
    );
    for (const timer of this.timers) timer.unref();
    void this.renew();
  }

  /** The events to wire into the transport. */
  events(): PubSubEvents {
    return {
      message: (channel, bytes) => this.receive(channel, bytes),
      up: () => void this.rejoin(),
    };
  }

  ready(): boolean {
    return this.pubsub.isUp();
  }

  async subscribe(name: string): Promise<DocumentChannel> {
    const channel = new Channel(this, name);
    this.channels.set(name, channel);
    try {
      await this.pubsub.subscribe(documentChannel(name));
    } catch (error) {
      // Redis is down, or a cluster was still settling: the document is served by this instance
      // alone until the subscription is retried (every resync tick, and when Redis comes back).
      this.unsubscribed.add(name);
      this.logger.warn({ err: error, room: name }, 'fan-out subscription failed; retrying at the next resync');
    }
    return channel;
  }

  /**
   * Retries the subscriptions that failed while Redis stayed up (a failure while it was down is
   * also retried by {@link rejoin}); without this a document whose subscribe failed once would
   * never hear its peers again.
   */
  private async resubscribeFailed(): Promise<void> {
    for (const name of [...this.unsubscribed]) {
      if (!this.channels.has(name)) {
        this.unsubscribed.delete(name);
        continue;
      }
      try {
        await this.pubsub.subscribe(documentChannel(name));
        this.unsubscribed.delete(name);
      } catch (error) {
        this.logger.debug({ err: error, room: name }, 'fan-out subscription retry failed');
      }
    }
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.pubsub.close();
  }

  /** Sends `message` on `name`'s channel; a failure is counted and healed by the next resync. */
  publish(name: string, message: FanOutMessage): void {
    const kind = KIND_LABELS[message.kind];
    this.pubsub.publish(documentChannel(name), encodeFanOutMessage(message)).then(
      () => this.published.inc({ kind }),
      () => this.failures.inc({ reason: 'publish' }),
    );
  }

  /** Hands one message to a room. */
  deliver(peer: FanOutPeer, message: FanOutMessage): void {
    switch (message.kind) {
      case FanOutKind.Update:
        peer.applyRemoteUpdate(message.update);
        return;
      case FanOutKind.Awareness:
        this.peers.add(message.from);
        peer.applyRemoteAwareness({ instanceId: message.from, connectionId: message.connectionId }, message.payload);
        return;
      case FanOutKind.SyncRequest:
        peer.answerPeer(message.stateVector, message.answer);
        return;
      default:
        message satisfies never;
    }
  }

  /** Forgets `channel` and unsubscribes, unless a newer load of the document subscribed again. */
  release(channel: Channel): void {
    if (this.channels.get(channel.name) !== channel) return;
    this.channels.delete(channel.name);
    this.pubsub.unsubscribe(documentChannel(channel.name)).catch((error: unknown) => {
      this.logger.debug({ err: error, room: channel.name }, 'unsubscribe failed; the subscription ends with the connection');
    });
  }

  private receive(channelName: string, bytes: Uint8Array): void {
    if (!channelName.startsWith(CHANNEL_PREFIX)) return;
    const channel = this.channels.get(channelName.slice(CHANNEL_PREFIX.length));
    if (channel === undefined) return;
    let message: FanOutMessage;
    try {
      message = decodeFanOutMessage(bytes);
    } catch (error) {
      this.failures.inc({ reason: 'undecodable' });
      this.logger.warn({ err: error, room: channel.name }, 'dropped an unreadable fan-out message');
      return;
    }
    if (message.from === this.instanceId) return;
    this.received.inc({ kind: KIND_LABELS[message.kind] });
    if (channel.peer === null) channel.buffered.push(message);
    else this.deliver(channel.peer, message);
  }

  /**
   * Redis is (back) up: subscribe every loaded document again (a subscription attempted while it
   * was down never took), then exchange state vectors so both sides learn what they missed.
   */
  private async rejoin(): Promise<void> {
    this.logger.info({ instance: this.instanceId }, 'fan-out is up: resubscribing and resyncing every loaded document');
    await this.renew();
    await Promise.all(
      [...this.channels.keys()].map((name) =>
        this.pubsub.subscribe(documentChannel(name)).then(
          () => this.unsubscribed.delete(name),
          (error: unknown) => {
            this.unsubscribed.add(name);
            this.logger.warn({ err: error, room: name }, 'resubscribing failed; retrying at the next resync');
          },
        ),
      ),
    );
    this.resyncAll();
  }

  private resyncAll(): void {
    for (const channel of this.channels.values()) channel.peer?.resync();
  }

  private async renew(): Promise<void> {
    try {
      await this.pubsub.renew(`${LIVENESS_PREFIX}${this.instanceId}`, this.timing.livenessTtlMs);
    } catch (error) {
      this.logger.debug({ err: error }, 'liveness renewal failed (Redis down)');
    }
  }

  /** Renews this instance's key; drops the presence of peers whose key expired. */
  private async checkLiveness(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      await this.renew();
      const ids = [...this.peers];
      if (ids.length === 0) return;
      const alive = await this.pubsub.exists(ids.map((id) => `${LIVENESS_PREFIX}${id}`));
      ids.forEach((id, i) => {
        if (alive[i] === true) return;
        this.peers.delete(id);
        this.logger.info({ instance: id }, 'instance stopped renewing its liveness: dropping its presence');
        for (const channel of this.channels.values()) channel.peer?.dropInstance(id);
      });
    } catch (error) {
      // Liveness cannot be judged while Redis is down; presence is kept until it can.
      this.logger.debug({ err: error }, 'liveness check failed (Redis down)');
    } finally {
      this.checking = false;
    }
  }
}

const KIND_LABELS: Readonly<Record<FanOutMessage['kind'], string>> = {
  [FanOutKind.Update]: 'update',
  [FanOutKind.Awareness]: 'awareness',
  [FanOutKind.SyncRequest]: 'sync_request',
};
