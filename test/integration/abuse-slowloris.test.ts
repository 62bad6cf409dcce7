/**
 * Issue 4, slow and bloated handshakes: upgrade requests whose headers trickle in and never end
 * are answered 408 and closed at the handshake deadline; headers past the size limit get 431.
 * Open WebSockets are not subject to the deadline: bystanders connected before the attack stay
 * connected through it, and a newcomer connects during it.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Arena, rawUpgrade, serverAnswers, startBystanders } from '../helpers/attack.js';
import { readMetric } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';

const DOC = 'patient';
const DEADLINE_MS = 500;

/**
 * An upgrade request that sends one more header line every 100 ms and never finishes; settles
 * with what the server answered once it closed the socket.
 */
function slowloris(port: number): Promise<{ answer: string; afterMs: number }> {
  const opened = Date.now();
  const socket: Socket = connect(port, '127.0.0.1');
  let answer = '';
  let line = 0;
  const trickle = setInterval(() => socket.write(`X-Slow-${line++}: still typing\r\n`), 100);
  socket.on('connect', () => socket.write(`GET /${DOC} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`));
  socket.setEncoding('latin1').on('data', (chunk: string) => (answer += chunk));
  socket.on('error', () => undefined);
  return new Promise((resolve) => {
    socket.on('close', () => {
      clearInterval(trickle);
      resolve({ answer, afterMs: Date.now() - opened });
    });
  });
}

describe('slow and bloated handshakes', () => {
  const arena = new Arena();

  afterEach(() => arena.cleanup());

  it('closes upgrades whose headers never finish with 408 at the deadline, while open sockets and newcomers are served', async () => {
    const server = await arena.start({ limits: { handshakeTimeoutMs: DEADLINE_MS } });
    const bystanders = await startBystanders(arena.pool, server.wsUrl, DOC);
    const attackers = Array.from({ length: 20 }, () => slowloris(server.port));
    const newcomer = await arena.raw(DOC);
    await waitFor(() => newcomer.received.length > 0, { message: 'a newcomer to be served during the attack' });
    const outcomes = await Promise.all(attackers);
    for (const { answer, afterMs } of outcomes) {
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(afterMs).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
      expect(afterMs).toBeLessThan(5_000);
    }
    expect(await readMetric(server.httpUrl, 'tandem_limit_hits_total', { limit: 'handshake_timeout_ms' })).toBe(attackers.length);
    // The bystanders' sockets are older than the deadline by now, and still open.
    expect(await serverAnswers(server.httpUrl)).toBe(true);
    const text = await bystanders.carryOn();
    expect(await arena.stopAndRead(DOC)).toBe(text);
  });

  it('answers headers past the size limit with 431, a token in the URL included', async () => {
    const server = await arena.start({ limits: { maxHeaderBytes: 4096 } });
    const bystanders = await startBystanders(arena.pool, server.wsUrl, DOC);
    expect((await rawUpgrade(server.port, `/${DOC}`, { headers: [`X-Padding: ${'a'.repeat(8192)}`] })).status).toBe(431);
    expect((await rawUpgrade(server.port, `/${DOC}?token=${'t'.repeat(8192)}`)).status).toBe(431);
    expect((await rawUpgrade(server.port, `/${DOC}`, { headers: [`X-Padding: ${'a'.repeat(1024)}`] })).status).toBe(101);
    expect(await readMetric(server.httpUrl, 'tandem_limit_hits_total', { limit: 'max_header_bytes' })).toBe(2);
    await bystanders.carryOn();
  });
});
