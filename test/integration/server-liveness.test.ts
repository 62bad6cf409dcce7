/**
 * The Tandem liveness probe (shared/protocol.ts Ping/Pong): a client that heard nothing for a
 * while asks, and the server answers at once, so the client can tell a quiet connection from a
 * dead one within seconds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../shared/close-codes.js';
import { encodePing, MessageType } from '../../shared/protocol.js';
import { TEST_SECRET, tokenFor } from '../helpers/attack.js';
import { openRaw, type RawClient } from '../helpers/clients.js';
import { readMetric, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';

const pongs = (client: RawClient): number => client.received.filter((frame) => frame.length === 1 && frame[0] === MessageType.Pong).length;

describe('liveness probe', () => {
  const raws: RawClient[] = [];
  let server: TestServer | null = null;

  afterEach(async () => {
    for (const raw of raws.splice(0)) raw.close();
    await server?.close();
    server = null;
  });

  async function raw(url: string): Promise<RawClient> {
    const client = await openRaw(url);
    raws.push(client);
    return client;
  }

  it('answers every Ping with a Pong, also on a connection that may only read', async () => {
    server = await startTestServer({ auth: { kind: 'secret', secret: TEST_SECRET } });
    const reader = await raw(`${server.wsUrl}/probe?tandem=1&token=${await tokenFor(['probe:read'])}`);
    reader.send(encodePing());
    reader.send(encodePing());
    await waitFor(() => pongs(reader) === 2, { message: 'two pongs' });
    expect(await readMetric(server.httpUrl, 'tandem_messages_total', { direction: 'in', type: 'ping' })).toBe(2);
    expect(await readMetric(server.httpUrl, 'tandem_messages_total', { direction: 'out', type: 'pong' })).toBe(2);
  });

  it('closes only the connection whose Ping carries trailing bytes, with 4400', async () => {
    server = await startTestServer();
    const bad = await raw(`${server.wsUrl}/probe?tandem=1`);
    const good = await raw(`${server.wsUrl}/probe?tandem=1`);
    bad.send(Uint8Array.of(MessageType.Ping, 0));
    expect((await bad.closed).code).toBe(CloseCode.BadMessage);
    good.send(encodePing());
    await waitFor(() => pongs(good) === 1, { message: 'the other connection answered' });
  });
});
