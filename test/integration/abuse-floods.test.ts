/**
 * Issue 4, floods: too many connection attempts or open connections from one address are refused
 * with 429 before any socket exists; too many messages or presence updates on one connection, or
 * an oversized presence state, close that connection (4429, 4413). Each limit is counted in
 * /metrics. The attacker connects from another loopback address (127.0.0.2, .3), so the per-address
 * limits it hits are not the bystanders' (on 127.0.0.1), who carry on and can still connect.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../shared/close-codes.js';
import { MessageType } from '../../shared/protocol.js';
import { Arena, rawUpgrade, serverAnswers, startBystanders } from '../helpers/attack.js';
import { refusedStatus } from '../helpers/clients.js';
import { awareness, hostile } from '../helpers/frames.js';
import { readMetric } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';

const DOC = 'flooded';

describe('floods', () => {
  const arena = new Arena();

  afterEach(() => arena.cleanup());

  it('refuses connection attempts past the per-minute limit of one address with 429, and only that address', async () => {
    const perMinute = 20;
    const server = await arena.start({ limits: { connectionAttemptsPerMinute: perMinute } });
    const bystanders = await startBystanders(arena.pool, server.wsUrl, DOC);
    const statuses: number[] = [];
    for (let i = 0; i < 2 * perMinute; i++) {
      statuses.push((await rawUpgrade(server.port, `/${DOC}`, { localAddress: '127.0.0.2' })).status);
    }
    // The bucket refills by one every 3 s, so a refill during the attack may admit one more.
    expect(statuses.slice(0, perMinute).every((status) => status === 101)).toBe(true);
    const refused = statuses.filter((status) => status === 429).length;
    expect(refused).toBeGreaterThanOrEqual(perMinute - 1);
    expect(statuses.every((status) => status === 101 || status === 429)).toBe(true);
    expect(await readMetric(server.httpUrl, 'tandem_limit_hits_total', { limit: 'connection_attempts_per_minute' })).toBe(refused);
    expect(await serverAnswers(server.httpUrl)).toBe(true);
    await bystanders.carryOn();
    const newcomer = await arena.raw(DOC);
    await waitFor(() => newcomer.received.length > 0, { message: 'a new client from another address to be served' });
  });

  it('refuses connections past the per-address limit with 429 while other addresses connect', async () => {
    const server = await arena.start({ limits: { maxConnectionsPerIp: 10 } });
    const bystanders = await startBystanders(arena.pool, server.wsUrl, DOC);
    for (let i = 0; i < 10; i++) await arena.raw(DOC, { localAddress: '127.0.0.3' });
    expect(await refusedStatus(`${server.wsUrl}/${DOC}`, { localAddress: '127.0.0.3' })).toBe(429);
    expect(await readMetric(server.httpUrl, 'tandem_limit_hits_total', { limit: 'max_connections_per_ip' })).toBe(1);
    await arena.raw(DOC);
    await bystanders.carryOn();
  });

  it('counts clients behind a trusted proxy by the address the proxy appended, which a client cannot forge', async () => {
    const server = await arena.start({ trustProxy: true, limits: { maxConnectionsPerIp: 2 } });
    const bystanders = await startBystanders(arena.pool, server.wsUrl, DOC, {});
    const via = (chain: string) => ({ headers: { 'X-Forwarded-For': chain } });
    await arena.raw(DOC, via('10.0.0.66'));
    await arena.raw(DOC, via('10.0.0.66'));
    // A forged entry to the left of the proxy's own is not the address counted.
    expect(await refusedStatus(`${server.wsUrl}/${DOC}`, via('203.0.113.9, 10.0.0.66'))).toBe(429);
    await arena.raw(DOC, via('10.0.0.66, 10.0.0.77'));
    await bystanders.carryOn();
  });

  it('leaves stock clients in a busy room under the default presence rate, echoes included', async () => {
    const server = await arena.start();
    const clients = await Promise.all(Array.from({ length: 8 }, () => arena.pool.connectSynced(server.wsUrl, DOC)));
    let drops = 0;
    for (const client of clients) client.provider.on('connection-close', () => drops++);
    // Every client moves its pointer at 30 Hz for 2 s; stock clients also re-send every
    // presence broadcast they receive (y-websocket relays all awareness changes it applies).
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
      for (const [i, client] of clients.entries()) client.provider.awareness.setLocalStateField('pointer', { x: ticks, y: i });
    }, 33);
    try {
      await waitFor(
        () => clients.every((watcher) => clients.every((client) => watcher.provider.awareness.getStates().get(client.doc.clientID)?.pointer?.x >= 60)),
        {
          message: 'every pointer at its 60th position everywhere',
        },
      );
    } finally {
      clearInterval(timer);
    }
    expect(drops).toBe(0);
    expect(await readMetric(server.httpUrl, 'tandem_limit_hits_total', { limit: 'awareness_updates_per_second' })).toBe(0);
  });

  interface ConnectionFlood {
    name: string;
    code: number;
    limit: string;
    limits: Record<string, number>;
    frames: () => Uint8Array[];
  }

  const CONNECTION_FLOODS: ConnectionFlood[] = [
    {
      name: 'a message flood',
      code: CloseCode.RateLimited,
      limit: 'messages_per_second',
      limits: { messageBurst: 50, messagesPerSecond: 10 },
      frames: () => Array.from({ length: 200 }, () => Uint8Array.of(MessageType.QueryAwareness)),
    },
    {
      name: 'a presence flood',
      code: CloseCode.RateLimited,
      limit: 'awareness_updates_per_second',
      limits: { awarenessBurst: 20, awarenessUpdatesPerSecond: 10 },
      frames: () => Array.from({ length: 60 }, (_, i) => awareness([{ clientId: 5150, clock: i + 1, state: JSON.stringify({ pointer: { x: i, y: i } }) }])),
    },
    {
      name: 'an oversized presence state',
      code: CloseCode.TooLarge,
      limit: 'max_awareness_state_bytes',
      limits: {},
      frames: () => [hostile.awarenessOfSize(5151, 64 * 1024)],
    },
  ];

  it.each(CONNECTION_FLOODS)('$name closes the attacker with $code and counts $limit, while writers carry on', async ({ code, limit, limits, frames }) => {
    const server = await arena.start({ limits });
    const bystanders = await startBystanders(arena.pool, server.wsUrl, DOC);
    bystanders.writer.provider.awareness.setLocalState({ user: { name: 'Writer', color: '#224466' } });
    const attacker = await arena.raw(DOC, { localAddress: '127.0.0.2' });
    for (const frame of frames()) attacker.send(frame);
    expect((await attacker.closed).code).toBe(code);
    expect(await readMetric(server.httpUrl, 'tandem_limit_hits_total', { limit })).toBe(1);
    expect(await serverAnswers(server.httpUrl)).toBe(true);
    const text = await bystanders.carryOn();
    await waitFor(() => !bystanders.reader.provider.awareness.getStates().has(5150), { message: "the attacker's presence gone" });
    expect(bystanders.reader.provider.awareness.getStates().get(bystanders.writer.doc.clientID)?.user?.name).toBe('Writer');
    expect(await arena.stopAndRead(DOC)).toBe(text);
  });
});
