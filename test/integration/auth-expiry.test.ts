/**
 * Issue 4, token expiry: a connection whose token expires is closed at that moment with 4440; a
 * Tandem client session then fetches a new token, reconnects, and loses none of the edits made
 * meanwhile. Expiry uses real time (a one to two second token), awaited with deadlines.
 */
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../shared/close-codes.js';
import { createDocumentSession, type DocumentSession } from '../../client/session/session.js';
import { Arena, TEST_SECRET, serverAnswers, startBystanders, tokenFor } from '../helpers/attack.js';
import { readMetric } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';

const DOC = 'team-expiring';
const GRANTS = ['team-*:write'];
/** A token minted now with this ttl expires one to two seconds from now (exp has whole seconds). */
const SHORT_TTL_S = 2;

describe('token expiry', () => {
  const arena = new Arena();
  const { pool } = arena;
  const sessions: DocumentSession[] = [];

  afterEach(async () => {
    for (const session of sessions.splice(0)) session.destroy();
    await arena.cleanup();
  });

  it('closes a connection with 4440 when its token expires, and only that one', async () => {
    const server = await arena.start({ auth: { kind: 'secret', secret: TEST_SECRET } });
    const bystanders = await startBystanders(pool, server.wsUrl, DOC, { token: await tokenFor(GRANTS) });
    const minted = Date.now();
    const shortLived = await arena.raw(`${DOC}?token=${await tokenFor(GRANTS, { ttlSeconds: SHORT_TTL_S })}`);
    const closed = await shortLived.closed;
    const lived = Date.now() - minted;
    expect(closed.code).toBe(CloseCode.TokenExpired);
    expect(lived).toBeGreaterThanOrEqual(900);
    expect(await serverAnswers(server.httpUrl)).toBe(true);
    await bystanders.carryOn();
  });

  it('a client session with a fixed token that expired waits for a new one instead of retrying', async () => {
    const server = await arena.start({ auth: { kind: 'secret', secret: TEST_SECRET } });
    const backoff = { initialMs: 10, maxMs: 20 };
    const session = createDocumentSession({
      serverUrl: server.wsUrl,
      documentName: DOC,
      token: await tokenFor(GRANTS, { ttlSeconds: SHORT_TTL_S }),
      WebSocketImpl: WebSocket as unknown as typeof globalThis.WebSocket,
      crossTab: false,
      offline: false,
      backoff,
    });
    sessions.push(session);
    await waitFor(() => session.status.kind === 'live', { message: 'live' });
    await waitFor(() => session.status.kind === 'denied', { timeout: 5_000, message: 'denied at expiry' });
    expect(session.status).toEqual({ kind: 'denied', code: CloseCode.TokenExpired, reason: 'token expired' });
    // Denied is a phase with no retry timer, and the provider's own reconnect is off: nothing can
    // open a socket again until a new token arrives, so the server has seen no attempt with it.
    expect(session.provider.shouldConnect).toBe(false);
    expect(session.provider.ws).toBeNull();
    expect(await readMetric(server.httpUrl, 'tandem_refusals_total', { reason: 'expired' })).toBe(0);
    session.setToken(await tokenFor(GRANTS));
    await waitFor(() => session.status.kind === 'live', { message: 'live with the new token' });
  });

  it('a client session fetches a new token after 4440 and loses no edit made while it was away', async () => {
    const server = await arena.start({ auth: { kind: 'secret', secret: TEST_SECRET } });
    const peer = await pool.connectSynced(server.wsUrl, DOC, { params: { token: await tokenFor(GRANTS) } });
    let fetched = 0;
    const session = createDocumentSession({
      serverUrl: server.wsUrl,
      documentName: DOC,
      token: () => {
        fetched++;
        return tokenFor(GRANTS, { ttlSeconds: SHORT_TTL_S });
      },
      WebSocketImpl: WebSocket as unknown as typeof globalThis.WebSocket,
      crossTab: false,
      offline: false,
      backoff: { initialMs: 50, maxMs: 200 },
      // The fallback under test: without renewal ahead of `exp`, every expiry is a 4440.
      renewToken: false,
    });
    sessions.push(session);
    const body = session.doc.getText('text');
    const expiries: number[] = [];
    session.provider.on('connection-close', (event: { code: number } | null) => {
      if (event?.code !== CloseCode.TokenExpired || expiries.length === 2) return;
      expiries.push(event.code);
      // Written while the socket is closed: these must reach the server after the reconnect.
      body.insert(body.length, `offline-${expiries.length};`);
    });
    await waitFor(() => session.status.kind === 'live', { message: 'live' });
    body.insert(0, 'online;');
    await waitFor(() => expiries.length === 2, { timeout: 15_000, message: 'two token expiries' });
    const expected = 'online;offline-1;offline-2;';
    expect(body.toString()).toBe(expected);
    await waitFor(() => peer.doc.getText('text').toString() === expected, { message: 'the edits made while away at the peer' });
    expect(fetched).toBeGreaterThanOrEqual(3);
    await waitFor(() => session.status.kind === 'live' && session.status.saved, { message: 'the session saved' });
    session.destroy();
    sessions.splice(0);
    expect(await arena.stopAndRead(DOC)).toBe(expected);
  });
});
