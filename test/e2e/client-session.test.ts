/**
 * The framework-free document session against a real Tandem server, in Node: truthful status,
 * the durable-save acknowledgement, offline changes, reconnects that re-read the token.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import type { DocumentStore } from '../../server/storage/store.js';
import { CloseCode } from '../../shared/close-codes.js';
import { createDocumentSession, type DocumentSession, type DocumentSessionOptions } from '../../client/session/session.js';
import type { SessionStatus } from '../../client/session/status.js';
import { ClientPool, waitSynced } from '../helpers/clients.js';
import { TEST_SECRET, tokenFor } from '../helpers/attack.js';
import { readMetric, startTestServer, type TestServer } from '../helpers/server.js';
import { startSilentProxy, type SilentProxy } from '../helpers/silent-proxy.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { gatedStore } from './gated-store.js';

const text = (doc: Y.Doc): string => doc.getText('body').toString();

describe('a document session against a Tandem server', () => {
  const sessions: DocumentSession[] = [];
  const servers: TestServer[] = [];
  const dirs: string[] = [];
  const stores: DocumentStore[] = [];
  const proxies: SilentProxy[] = [];
  const pool = new ClientPool();

  const open = (server: TestServer, documentName: string, options: Partial<DocumentSessionOptions> = {}): DocumentSession => {
    const session = createDocumentSession({
      serverUrl: server.wsUrl,
      documentName,
      WebSocketImpl: WebSocket as unknown as typeof globalThis.WebSocket,
      crossTab: false,
      backoff: { initialMs: 50, maxMs: 200 },
      ...options,
    });
    sessions.push(session);
    return session;
  };
  const statusOf = (session: DocumentSession): SessionStatus => session.status;

  afterEach(async () => {
    for (const session of sessions.splice(0)) session.destroy();
    pool.destroyAll();
    for (const proxy of proxies.splice(0)) await proxy.close();
    for (const server of servers.splice(0)) await server.close();
    for (const store of stores.splice(0)) await store.close();
    for (const dir of dirs.splice(0)) await removeTempDir(dir);
  });

  it('goes from connecting to live, and to saved once the server acknowledged the first sync', async () => {
    const server = await startTestServer();
    servers.push(server);
    const session = open(server, 'status-basics');
    expect(statusOf(session).kind).toBe('connecting');
    await waitFor(() => statusOf(session).kind === 'live' && session.synced, { message: 'live' });
    await waitFor(
      () => {
        const status = statusOf(session);
        return status.kind === 'live' && status.saved;
      },
      { message: 'saved' },
    );
  });

  it('says saved only after the storage write that holds the change has finished', async () => {
    const gated = gatedStore();
    stores.push(gated.store);
    const server = await startTestServer({ store: gated.store });
    servers.push(server);
    const session = open(server, 'saved-after-write');
    await waitFor(
      () => {
        const status = statusOf(session);
        return status.kind === 'live' && status.saved;
      },
      { message: 'saved after first sync' },
    );

    gated.hold();
    session.doc.getText('body').insert(0, 'durable');
    await waitFor(() => gated.waiting > 0, { message: 'the append to be held' });
    expect(statusOf(session)).toEqual({ kind: 'live', saved: false, unsavedChanges: 1 });

    gated.release();
    await waitFor(
      () => {
        const status = statusOf(session);
        return status.kind === 'live' && status.saved;
      },
      { message: 'saved after the write' },
    );
    const stored = new Y.Doc();
    Y.applyUpdate(stored, (await gated.store.load('saved-after-write')) ?? new Uint8Array());
    expect(text(stored)).toBe('durable');
    stored.destroy();
  });

  it('counts the changes made while the server is down and saves them when it returns', async () => {
    const dataDir = await makeTempDir('tandem-client-');
    dirs.push(dataDir);
    const first = await startTestServer({ dataDir });
    const session = open(first, 'offline-changes');
    await waitFor(() => statusOf(session).kind === 'live', { message: 'live' });

    await first.close();
    await waitFor(() => statusOf(session).kind === 'offline', { message: 'offline' });
    const body = session.doc.getText('body');
    body.insert(0, 'a');
    body.insert(1, 'b');
    body.insert(2, 'c');
    expect(statusOf(session)).toEqual({ kind: 'offline', localChanges: 3 });

    const second = await startTestServer({ dataDir, port: first.port });
    servers.push(second);
    await waitFor(
      () => {
        const status = statusOf(session);
        return status.kind === 'live' && status.saved;
      },
      { message: 'saved after the server returned' },
    );
    const reader = await pool.connectSynced(second.wsUrl, 'offline-changes');
    await waitFor(() => text(reader.doc) === 'abc', { message: 'the offline text at a peer' });
  });

  it('reads the token function again before every connection attempt', async () => {
    const dataDir = await makeTempDir('tandem-client-');
    dirs.push(dataDir);
    const server = await startTestServer({ dataDir });
    servers.push(server);
    let calls = 0;
    const session = open(server, 'token-refresh', { token: async () => `token-${++calls}` });
    await waitFor(() => statusOf(session).kind === 'live', { message: 'live' });
    expect(session.provider.url).toContain('token=token-1');
    expect(session.provider.url).toContain('tandem=1');

    await server.restart();
    await waitFor(() => statusOf(session).kind === 'live' && calls >= 2, { message: 'live again' });
    expect(session.provider.url).toContain(`token=token-${calls}`);
  });

  it('sends its presence to peers and removes it when destroyed', async () => {
    const server = await startTestServer();
    servers.push(server);
    const session = open(server, 'presence');
    session.awareness.setLocalStateField('user', { name: 'Ada', color: '#3366ff' });
    const peer = pool.connect(server.wsUrl, 'presence');
    await waitSynced(peer);
    const states = (): Map<number, Record<string, unknown>> => peer.provider.awareness.getStates();
    await waitFor(() => states().get(session.doc.clientID)?.user !== undefined, { message: 'presence at the peer' });
    const clientId = session.doc.clientID;
    session.destroy();
    sessions.splice(sessions.indexOf(session), 1);
    await waitFor(() => !states().has(clientId), { message: 'presence gone at the peer' });
  });

  it('stops retrying on a terminal close code, says access denied, and reconnects when given a new token', async () => {
    const server = await startTestServer({ auth: { kind: 'secret', secret: TEST_SECRET } });
    servers.push(server);
    // A valid token for other documents: the server closes the socket with 4403.
    const backoff = { initialMs: 10, maxMs: 20 };
    const session = open(server, 'denied', { token: await tokenFor(['other-*:write']), backoff });
    await waitFor(() => statusOf(session).kind === 'denied', { message: 'access denied' });
    expect(statusOf(session)).toEqual({ kind: 'denied', code: CloseCode.Forbidden, reason: 'forbidden' });
    // Denied is a phase with no retry timer, and the provider's own reconnect is off: nothing can
    // open a socket again until a new token arrives.
    expect(session.provider.shouldConnect).toBe(false);
    expect(session.provider.ws).toBeNull();
    expect(await readMetric(server.httpUrl, 'tandem_refusals_total', { reason: 'forbidden' })).toBe(1);

    session.setToken(await tokenFor(['denied:write']));
    await waitFor(
      () => {
        const status = statusOf(session);
        return status.kind === 'live' && status.saved;
      },
      { message: 'live and saved with the new token' },
    );
    expect(await readMetric(server.httpUrl, 'tandem_refusals_total', { reason: 'forbidden' })).toBe(1);
  });

  it('says offline within seconds when the server goes silent, and saves the offline edits once it answers again', async () => {
    const server = await startTestServer();
    servers.push(server);
    const proxy = await startSilentProxy(server.port);
    proxies.push(proxy);
    // Default silence and answer deadlines; a short connect deadline so the attempts made into
    // the silence are given up quickly once it ends.
    const session = open(server, 'silent-network', { serverUrl: proxy.wsUrl, liveness: { connectMs: 500 } });
    await waitFor(
      () => {
        const status = statusOf(session);
        return status.kind === 'live' && status.saved;
      },
      { message: 'saved' },
    );

    proxy.silence();
    const silencedAt = Date.now();
    session.doc.getText('body').insert(0, 'sent into the void');
    // y-websocket alone would say "Saving…" for 30 s.
    await waitFor(() => statusOf(session).kind === 'offline', { timeout: 9_000, interval: 50, message: 'offline' });
    const noticedAfter = Date.now() - silencedAt;
    expect(noticedAfter).toBeLessThan(8_000);
    expect(statusOf(session)).toEqual({ kind: 'offline', localChanges: 1 });
    session.doc.getText('body').insert(0, 'and more: ');

    proxy.restore();
    await waitFor(
      () => {
        const status = statusOf(session);
        return status.kind === 'live' && status.saved;
      },
      { timeout: 15_000, message: 'saved after the network came back' },
    );
    const reader = await pool.connectSynced(server.wsUrl, 'silent-network');
    await waitFor(() => text(reader.doc) === 'and more: sent into the void', { message: 'both edits at a peer' });
  }, 40_000);

  it('renews an expiring token before the server closes with 4440, never showing offline while typing', async () => {
    const server = await startTestServer({ auth: { kind: 'secret', secret: TEST_SECRET } });
    servers.push(server);
    let minted = 0;
    const token = async (): Promise<string> => {
      minted++;
      return tokenFor(['rotating:write'], { ttlSeconds: 3 });
    };
    const session = open(server, 'rotating', { token });
    const seen: SessionStatus[] = [];
    session.onStatus((status) => seen.push(status));
    await waitFor(() => statusOf(session).kind === 'live', { message: 'live' });

    // Type for three token lifetimes: at least two renewals.
    const body = session.doc.getText('body');
    const typed: string[] = [];
    // A writer typing a character every 50 ms, on a timer of its own, for 8 s (160 characters).
    const typing = setInterval(() => {
      const char = String.fromCharCode(97 + (typed.length % 26));
      body.insert(body.length, char);
      typed.push(char);
    }, 50);
    try {
      await waitFor(() => typed.length >= 160, { timeout: 30_000, message: 'eight seconds of typing' });
    } finally {
      clearInterval(typing);
    }
    await waitFor(
      () => {
        const status = statusOf(session);
        return status.kind === 'live' && status.saved;
      },
      { message: 'saved' },
    );

    expect(minted).toBeGreaterThanOrEqual(3);
    expect(seen.filter((status) => status.kind !== 'live')).toEqual([]);
    expect(await readMetric(server.httpUrl, 'tandem_connection_closes_total', { code: String(CloseCode.TokenExpired) })).toBe(0);
    const reader = await pool.connectSynced(server.wsUrl, 'rotating', { params: { token: await tokenFor(['rotating:read']) } });
    await waitFor(() => text(reader.doc) === typed.join(''), { message: 'every keystroke at a peer' });
  }, 40_000);

  it('leaves a token that outlives any timer to the 4440 instead of renewing it at once', async () => {
    const server = await startTestServer({ auth: { kind: 'secret', secret: TEST_SECRET } });
    servers.push(server);
    let minted = 0;
    // 40 days: past the longest setTimeout delay, which would otherwise fire at once.
    const token = async (): Promise<string> => {
      minted++;
      return tokenFor(['long-lived:write'], { ttlSeconds: 40 * 24 * 3600 });
    };
    const session = open(server, 'long-lived', { token });
    await waitFor(() => statusOf(session).kind === 'live', { message: 'live' });
    const socket = session.provider.ws;
    // A full round trip through the server and a peer: a renewal due at once would have run by now.
    session.doc.getText('body').insert(0, 'kept');
    const reader = await pool.connectSynced(server.wsUrl, 'long-lived', { params: { token: await tokenFor(['long-lived:read']) } });
    await waitFor(
      () => {
        const status = statusOf(session);
        return text(reader.doc) === 'kept' && status.kind === 'live' && status.saved;
      },
      { message: 'the edit saved and at a peer' },
    );
    expect(minted).toBe(1);
    expect(session.provider.ws).toBe(socket);
  });
});
