/**
 * Issue 2, test 6: a client that stops reading is closed (1013) once the bytes queued for it pass
 * `maxUnsentBytes`, so the server's memory does not grow with what it cannot deliver. The server
 * runs in its own process so that its resident memory is measured alone.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../shared/close-codes.js';
import { openRaw, type RawClient } from '../helpers/clients.js';
import { awareness, readAwareness } from '../helpers/frames.js';
import { readMetric, spawnServer, type ChildServer } from '../helpers/server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { waitFor, waitForEvent } from '../helpers/wait-for.js';

const STATE_BYTES = 60 * 1024;
/** Presence states changed per round: one broadcast carries all of them. */
const STATES_PER_ROUND = 20;
const ROUNDS = 250;
const MAX_UNSENT_BYTES = 1024 * 1024;

describe('slow consumer', () => {
  const raws: RawClient[] = [];
  let child: ChildServer | null = null;
  let dataDir: string | null = null;

  afterEach(async () => {
    for (const raw of raws.splice(0)) raw.close();
    child?.process.kill('SIGTERM');
    await child?.exited;
    if (dataDir !== null) await removeTempDir(dataDir);
    child = null;
    dataDir = null;
  });

  it('a client that stops reading is closed once its unsent bytes pass the limit, and memory stays bounded', async () => {
    dataDir = await makeTempDir();
    const server = (child = await spawnServer(dataDir, 0, [
      `--max-unsent-bytes=${MAX_UNSENT_BYTES}`,
      `--max-awareness-state-bytes=${64 * 1024}`,
      `--max-frame-bytes=${4 * 1024 * 1024}`,
      `--max-awareness-clients-per-connection=${STATES_PER_ROUND}`,
      `--bytes-per-second=${1024 ** 3}`,
      `--byte-burst=${1024 ** 3}`,
      '--messages-per-second=100000',
      '--message-burst=100000',
    ]));
    const rss = () => readMetric(server.httpUrl, 'process_resident_memory_bytes');
    const slow = await openRaw(`${server.wsUrl}/doc`);
    const writer = await openRaw(`${server.wsUrl}/doc`);
    const reader = await openRaw(`${server.wsUrl}/doc`);
    raws.push(slow, writer, reader);
    (slow.socket as unknown as { _socket: Socket })._socket.pause();
    const rssBefore = await rss();

    // 250 rounds of 20 presence states of 60 KiB: about 290 MiB the slow client will never read.
    const padding = 'x'.repeat(STATE_BYTES);
    for (let clock = 1; clock <= ROUNDS; clock++) {
      reader.received.length = 0;
      const relayed = waitForEvent(reader.socket, 'message');
      const states = Array.from({ length: STATES_PER_ROUND }, (_, i) => ({ clientId: i + 1, clock, state: JSON.stringify({ clock, padding }) }));
      writer.send(awareness(states));
      // Each round waits for its broadcast, so the server queues every round for the slow client.
      await relayed;
      expect(readAwareness(reader.received[0] as Uint8Array)?.length).toBe(STATES_PER_ROUND);
    }
    const closes = () => readMetric(server.httpUrl, 'tandem_connection_closes_total', { code: String(CloseCode.TryAgainLater) });
    await waitFor(async () => (await closes()) === 1, { message: 'slow client closed with 1013' });
    expect(await readMetric(server.httpUrl, 'tandem_limit_hits_total', { limit: 'max_unsent_bytes' })).toBe(1);

    const grownMiB = ((await rss()) - rssBefore) / 1024 / 1024;
    const undeliveredMiB = (ROUNDS * STATES_PER_ROUND * STATE_BYTES) / 1024 / 1024;
    console.log(`server rss grew by ${grownMiB.toFixed(1)} MiB while ${undeliveredMiB.toFixed(0)} MiB went undelivered`);
    // Without the limit the server keeps all of it (measured: RSS grows by more than what went undelivered).
    expect(grownMiB).toBeLessThan(undeliveredMiB / 3);
  });
});
