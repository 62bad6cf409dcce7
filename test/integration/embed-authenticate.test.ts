/**
 * The app's own `authenticate` instead of JWTs, against stock y-websocket clients: what it returns
 * is the connection's access and identity; null refuses with 4403, a throw with 4401, a
 * TandemAuthError with its code; a read-only answer syncs down and every update it sends is
 * dropped; `expiresAt` closes with 4440. A throwing or hanging `authenticate` under a flood of
 * connections lets nobody in, and the server keeps answering.
 */
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../shared/close-codes.js';
import { TandemAuthError, type AuthenticateFunction } from '../../server/index.js';
import { ClientPool, openRaw } from '../helpers/clients.js';
import { awareness, syncUpdate } from '../helpers/frames.js';
import { readMetric, startTestServer, type TestServer } from '../helpers/server.js';
import { textOf, textUpdate } from '../helpers/text-docs.js';
import { waitFor } from '../helpers/wait-for.js';

const pool = new ClientPool();
const servers: TestServer[] = [];

afterEach(async () => {
  pool.destroyAll();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(authenticate: AuthenticateFunction, extra: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const server = await startTestServer({ authenticate, ...extra });
  servers.push(server);
  return server;
}

/** The session cookie an app's login would have set. */
function sessionOf(request: IncomingMessage): string | null {
  return /(?:^|;\s*)session=([^;]+)/.exec(request.headers.cookie ?? '')?.[1] ?? null;
}

const SESSIONS: Readonly<Record<string, { id: string; name: string; access: 'read' | 'write' }>> = {
  'ada-cookie': { id: 'ada', name: 'Ada', access: 'write' },
  'bob-cookie': { id: 'bob', name: 'Bob', access: 'read' },
};

describe('authenticate', () => {
  it('admits what it accepts, with the identity it returns, from the cookie of the upgrade request', async () => {
    const seen: { token: string | null; documentName: string }[] = [];
    const server = await serve(({ token, documentName, request }) => {
      seen.push({ token, documentName });
      if (token === 'watcher') return { id: 'watcher', access: 'read' };
      const session = SESSIONS[sessionOf(request) ?? ''];
      return session === undefined ? null : { ...session, color: '#3366ff' };
    });
    const ada = await openRaw(`${server.wsUrl}/plan?token=abc`, { headers: { cookie: 'theme=dark; session=ada-cookie' } });
    expect(seen).toEqual([{ token: 'abc', documentName: 'plan' }]);
    // Ada's presence goes out under the name and colour authenticate gave, whatever she claims.
    const watcher = pool.connect(server.wsUrl, 'plan', { params: { token: 'watcher' } });
    ada.send(awareness([{ clientId: 4242, clock: 1, state: JSON.stringify({ user: { name: 'Mallory', color: '#000000' } }) }]));
    await waitFor(() => (watcher.provider.awareness.getStates().get(4242) as { user?: { name?: string } } | undefined)?.user?.name === 'Ada', {
      message: "Ada's presence under her own name",
    });
    expect((watcher.provider.awareness.getStates().get(4242) as { user: { color: string } }).user.color).toBe('#3366ff');
    ada.close();
  });

  const refusals: [string, AuthenticateFunction, number][] = [
    ['null', () => null, CloseCode.Forbidden],
    [
      'a throw',
      () => {
        throw new Error('session store down');
      },
      CloseCode.Unauthenticated,
    ],
    ['a rejection', () => Promise.reject(new Error('session store down')), CloseCode.Unauthenticated],
    [
      'a TandemAuthError',
      () => {
        throw new TandemAuthError(CloseCode.TokenExpired, 'session expired');
      },
      CloseCode.TokenExpired,
    ],
    ['an answer of the wrong shape', () => ({ id: '', access: 'admin' }) as never, CloseCode.Unauthenticated],
  ];
  it.each(refusals)('refuses on %s, with the matching close code and nothing read', async (_, authenticate, code) => {
    const server = await serve(authenticate);
    const attacker = await openRaw(`${server.wsUrl}/doc`);
    attacker.send(syncUpdate(textUpdate('injected')));
    expect((await attacker.closed).code).toBe(code);
    expect(await readMetric(server.httpUrl, 'tandem_rooms_loaded')).toBe(0);
  });

  it('a read-only answer syncs the document down and drops every update the reader sends', async () => {
    const server = await serve(({ request }) => SESSIONS[sessionOf(request) ?? ''] ?? null);
    const writer = await openRaw(`${server.wsUrl}/notes`, { headers: { cookie: 'session=ada-cookie' } });
    writer.send(syncUpdate(textUpdate('from ada')));
    const reader = await openRaw(`${server.wsUrl}/notes`, { headers: { cookie: 'session=bob-cookie' } });
    reader.send(syncUpdate(textUpdate('from bob')));
    await waitFor(async () => (await readMetric(server.httpUrl, 'tandem_dropped_frames_total', { reason: 'read_only_update' })) === 1, {
      message: "the reader's update to be dropped",
    });
    const stored = await fetch(`${server.httpUrl}/api/documents/notes?format=yjs`, { headers: { cookie: 'session=ada-cookie' } });
    expect(textOf(new Uint8Array(await stored.arrayBuffer()))).toBe('from ada');
    writer.close();
    reader.close();
  });

  it('closes the connection with 4440 when the expiresAt it returned passes', async () => {
    const server = await serve(() => ({ id: 'ada', access: 'write', expiresAt: Date.now() + 300 }));
    const client = await openRaw(`${server.wsUrl}/doc`);
    expect((await client.closed).code).toBe(CloseCode.TokenExpired);
  });

  it('under a flood of connections, a hanging authenticate lets nobody in and the server keeps answering', async () => {
    let calls = 0;
    const server = await serve(
      () => {
        calls++;
        return new Promise(() => undefined);
      },
      { hookTimeoutMs: 300, limits: { maxConnectionsPerIp: 1000, connectionAttemptsPerMinute: 1000 } },
    );
    const attempts = await Promise.all(Array.from({ length: 50 }, () => openRaw(`${server.wsUrl}/doc`)));
    expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
    const codes = await Promise.all(attempts.map((attempt) => attempt.closed.then((info) => info.code)));
    expect(new Set(codes)).toEqual(new Set([CloseCode.TryAgainLater]));
    expect(calls).toBe(50);
    expect(await readMetric(server.httpUrl, 'tandem_hook_errors_total', { hook: 'authenticate' })).toBe(50);
    expect(await readMetric(server.httpUrl, 'tandem_rooms_loaded')).toBe(0);
  });

  it('under a flood of connections, a throwing authenticate lets nobody in and the server keeps answering', async () => {
    const server = await serve(
      () => {
        throw new TypeError('bug in the app');
      },
      { limits: { maxConnectionsPerIp: 1000, connectionAttemptsPerMinute: 1000 } },
    );
    const attempts = await Promise.all(Array.from({ length: 50 }, () => openRaw(`${server.wsUrl}/doc`)));
    const codes = await Promise.all(attempts.map((attempt) => attempt.closed.then((info) => info.code)));
    expect(new Set(codes)).toEqual(new Set([CloseCode.Unauthenticated]));
    expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
    expect(await readMetric(server.httpUrl, 'tandem_rooms_loaded')).toBe(0);
  });

  it('guards the HTTP document API too: its answer per document, admin for the list', async () => {
    const server = await serve(({ request, documentName }) => {
      const session = sessionOf(request);
      if (session === 'ops') return { id: 'ops', access: 'write', admin: true };
      if (session === 'ada-cookie' && documentName !== '') return { id: 'ada', access: 'write' };
      return null;
    });
    const as = (session: string) => ({ headers: { cookie: `session=${session}` } });
    expect((await fetch(`${server.httpUrl}/api/documents/plan?format=text`, { method: 'PUT', body: 'x', ...as('ada-cookie') })).status).toBe(201);
    expect((await fetch(`${server.httpUrl}/api/documents/plan?format=text`, as('nobody'))).status).toBe(403);
    expect((await fetch(`${server.httpUrl}/api/documents`, as('ada-cookie'))).status).toBe(403);
    const listed = (await (await fetch(`${server.httpUrl}/api/documents`, as('ops'))).json()) as { documents: { name: string }[] };
    expect(listed.documents.map((d) => d.name)).toEqual(['plan']);
    expect((await fetch(`${server.httpUrl}/api/documents/plan`, { method: 'DELETE', ...as('ada-cookie') })).status).toBe(403);
    expect((await fetch(`${server.httpUrl}/api/documents/plan`, { method: 'DELETE', ...as('ops') })).status).toBe(204);
  });
});
