/**
 * The Redis side of the fan-out: the only file that imports ioredis. Two connections, one that
 * subscribes and one that publishes and keeps the liveness key. A URL listing several nodes
 * (`redis://a:6379,b:6379`) connects to a Redis Cluster, whose pub/sub reaches every node.
 */
import { Cluster, Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Logger } from '../observability/logger.js';
import { ClusterFanOut, type ClusterTiming, type PubSub, type PubSubEvents } from './cluster-fanout.js';
import type { FanOut } from './fanout.js';

/** How long {@link openRedisFanOut} waits for Redis before starting anyway, not ready. */
const FIRST_CONNECT_MS = 5_000;

/**
 * How long one command may wait for Redis: a Redis that accepts connections but does not answer
 * must not hold a document's load (which subscribes first) for ever.
 */
const COMMAND_TIMEOUT_MS = 2_000;

type Client = Redis | Cluster;

/** One connection (or cluster client) per role; commands fail at once while Redis is away. */
function connect(url: string): Client {
  const parsed = new URL(url.split(',')[0] as string);
  const nodes = url.split(',').map((entry, i) => {
    const node = i === 0 ? parsed : new URL(entry.includes('://') ? entry : `${parsed.protocol}//${entry}`);
    return { host: node.hostname, port: Number(node.port || 6379) };
  });
  const auth = { username: decodeURIComponent(parsed.username) || undefined, password: decodeURIComponent(parsed.password) || undefined };
  if (nodes.length > 1) {
    return new Cluster(nodes, { enableOfflineQueue: false, redisOptions: { ...auth, commandTimeout: COMMAND_TIMEOUT_MS } });
  }
  return new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS });
}

class RedisPubSub implements PubSub {
  private readonly subscriber: Client;
  private readonly publisher: Client;
  private wasDown = true;
  private closing = false;

  constructor(
    url: string,
    private readonly logger: Logger,
  ) {
    this.subscriber = connect(url);
    this.publisher = connect(url);
  }

  /** Reports to `events`; called in the turn the connections were made, so no event is missed. */
  listen(events: PubSubEvents): void {
    const { logger } = this;
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => events.message(channel.toString(), message));
    for (const client of [this.subscriber, this.publisher]) {
      // ioredis reconnects on its own; errors while Redis is away are expected and only logged.
      client.on('error', (error: Error) => logger.debug({ err: error }, 'redis connection error'));
      client.on('close', () => {
        if (!this.wasDown && !this.closing) logger.warn('lost the connection to Redis: serving local clients only');
        this.wasDown = true;
      });
      client.on('ready', () => {
        if (!this.wasDown || !this.isUp()) return;
        this.wasDown = false;
        events.up();
      });
    }
  }

  /** Resolves once both connections are ready, or after `ms` in any case. */
  whenUp(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(finish, ms);
      const check = (): void => {
        if (this.isUp()) finish();
      };
      function finish(): void {
        clearTimeout(timer);
        resolve();
      }
      this.subscriber.on('ready', check);
      this.publisher.on('ready', check);
      check();
    });
  }

  async subscribe(channel: string): Promise<void> {
    await this.subscriber.subscribe(channel);
  }

  async unsubscribe(channel: string): Promise<void> {
    await this.subscriber.unsubscribe(channel);
  }

  async publish(channel: string, message: Uint8Array): Promise<void> {
    await this.publisher.publish(channel, Buffer.from(message.buffer, message.byteOffset, message.byteLength));
  }

  async renew(key: string, ttlMs: number): Promise<void> {
    await this.publisher.set(key, '1', 'PX', ttlMs);
  }

  async exists(keys: readonly string[]): Promise<boolean[]> {
    return Promise.all(keys.map(async (key) => (await this.publisher.exists(key)) === 1));
  }

  isUp(): boolean {
    return this.subscriber.status === 'ready' && this.publisher.status === 'ready';
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([this.subscriber, this.publisher].map((client) => client.quit().catch(() => client.disconnect())));
  }
}

/**
 * Connects to Redis at `url` and resolves with the fan-out of instance `instanceId` once Redis
 * answers (or after a few seconds without it: the instance then serves alone, not ready, and
 * joins the cluster when Redis comes up). Its metrics go to `registry`.
 */
export async function openRedisFanOut(url: string, instanceId: string, logger: Logger, registry: Registry, timing?: ClusterTiming): Promise<FanOut> {
  const pubsub = new RedisPubSub(url, logger);
  const fanOut = new ClusterFanOut(instanceId, pubsub, logger, registry, timing);
  pubsub.listen(fanOut.events());
  await pubsub.whenUp(FIRST_CONNECT_MS);
  return fanOut;
}
