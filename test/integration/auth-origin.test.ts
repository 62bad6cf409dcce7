/**
 * Issue 4, origin allowlist: a browser upgrade from an origin not listed is refused with 403 before
 * any socket exists (the page is another site's, so it is told nothing more); listed origins and
 * clients that send no Origin (not browsers) are admitted, and nobody else notices.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Arena, TEST_SECRET, serverAnswers, startBystanders, tokenFor } from '../helpers/attack.js';
import { refusedStatus } from '../helpers/clients.js';
import { readMetric } from '../helpers/server.js';

const DOC = 'team-board';
const APP = 'https://app.example.com';

describe('origin allowlist', () => {
  const arena = new Arena();

  afterEach(() => arena.cleanup());

  it('refuses browsers from other origins with 403 and admits the listed one and non-browsers', async () => {
    const server = await arena.start({ allowedOrigins: [APP, 'http://localhost:5173'] });
    const bystanders = await startBystanders(arena.pool, server.wsUrl, DOC);
    for (const origin of ['https://evil.example', 'https://app.example.com.evil.example', 'http://app.example.com', 'null']) {
      expect(await refusedStatus(`${server.wsUrl}/${DOC}`, { origin }), origin).toBe(403);
    }
    expect(await readMetric(server.httpUrl, 'tandem_refusals_total', { reason: 'origin' })).toBe(4);
    const fromApp = await arena.raw(DOC, { origin: APP });
    const fromDevServer = await arena.raw(DOC, { origin: 'http://localhost:5173' });
    expect([fromApp.socket.readyState, fromDevServer.socket.readyState]).toEqual([fromApp.socket.OPEN, fromDevServer.socket.OPEN]);
    expect(await serverAnswers(server.httpUrl)).toBe(true);
    await bystanders.carryOn();
  });

  it('checks the origin before the token: a valid token from a foreign page is still refused', async () => {
    const server = await arena.start({ allowedOrigins: [APP], auth: { kind: 'secret', secret: TEST_SECRET } });
    const token = await tokenFor(['*:write']);
    const bystanders = await startBystanders(arena.pool, server.wsUrl, DOC, { token });
    expect(await refusedStatus(`${server.wsUrl}/${DOC}?token=${token}`, { origin: 'https://evil.example' })).toBe(403);
    const fromApp = await arena.raw(`${DOC}?token=${token}`, { origin: APP });
    expect(fromApp.socket.readyState).toBe(fromApp.socket.OPEN);
    await bystanders.carryOn();
  });
});
