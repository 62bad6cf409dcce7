/**
 * Lifecycle hooks with stock y-websocket clients: each is called with the right arguments and in
 * order; onLoad seeds an empty document exactly once, however many clients join at once and
 * across restarts; a throwing or hanging onLoad fails that load (1011, nothing cached, the next
 * join retries); a throwing notification hook is counted and changes nothing else.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../../shared/close-codes.js';
import type { TandemHooks } from '../../server/index.js';
import { ClientPool, openRaw, waitSynced } from '../helpers/clients.js';
import { readMetric, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';

const pool = new ClientPool();
const servers: TestServer[] = [];

afterEach(async () => {
  pool.destroyAll();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(hooks: TandemHooks, extra: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const server = await startTestServer({ hooks, unloadGraceMs: 0, ...extra });
  servers.push(server);
  return server;
}

const text = (doc: Y.Doc): string => doc.getText('t').toString();

/** Seeds an empty document with a title, as an app's template would. */
function seedTitle(doc: Y.Doc): void {
  if (doc.getText('t').length === 0) doc.getText('t').insert(0, 'Untitled\n');
}

describe('hooks', () => {
  it('are called with the right arguments, in order: onConnect (at admission, which loads the document), onLoad, onChange, onDisconnect, onUnload', async () => {
    const events: string[] = [];
    const updates: Uint8Array[] = [];
    const server = await serve({
      onLoad: ({ documentName, doc }) => {
        events.push(`load ${documentName} ${text(doc) === '' ? 'empty' : 'full'}`);
      },
      onConnect: ({ documentName, user, access }) => {
        events.push(`connect ${documentName} ${user === null ? 'anonymous' : user.id} ${access}`);
      },
      onChange: ({ documentName, update }) => {
        events.push(`change ${documentName}`);
        updates.push(update);
      },
      onDisconnect: ({ documentName, user }) => {
        events.push(`disconnect ${documentName} ${user === null ? 'anonymous' : user.id}`);
      },
      onUnload: ({ documentName }) => {
        events.push(`unload ${documentName}`);
      },
    });
    const client = await pool.connectSynced(server.wsUrl, 'agenda');
    client.doc.getText('t').insert(0, 'hello');
    await waitFor(() => events.includes('change agenda'), { message: 'onChange' });
    client.destroy();
    await waitFor(() => events.includes('unload agenda'), { message: 'onUnload' });
    expect(events).toEqual(['connect agenda anonymous write', 'load agenda empty', 'change agenda', 'disconnect agenda anonymous', 'unload agenda']);
    const replay = new Y.Doc();
    for (const update of updates) Y.applyUpdate(replay, update);
    expect(text(replay)).toBe('hello');
  });

  it('onLoad seeds an empty document exactly once under concurrent first joins and across restarts', async () => {
    let seeded = 0;
    const server = await serve({
      onLoad: ({ doc }) => {
        if (doc.getText('t').length === 0) seeded++;
        seedTitle(doc);
      },
    });
    const clients = Array.from({ length: 6 }, () => pool.connect(server.wsUrl, 'report'));
    await Promise.all(clients.map((client) => waitSynced(client)));
    // Every client sees the seed the moment it is synced: the load finished only once it was durable.
    for (const client of clients) expect(text(client.doc)).toBe('Untitled\n');
    clients[0]?.doc.getText('t').insert(9, 'body');
    await waitFor(() => clients.every((client) => text(client.doc) === 'Untitled\nbody'), { message: 'the edit everywhere' });
    pool.destroyAll();
    await server.restart();
    const again = await pool.connectSynced(server.wsUrl, 'report');
    expect(text(again.doc)).toBe('Untitled\nbody');
    expect(seeded).toBe(1);
  });

  it.each([
    ['throws', (): Promise<void> => Promise.reject(new Error('template service down'))],
    ['never settles', (): Promise<void> => new Promise(() => undefined)],
  ])('an onLoad that %s fails the load with 1011, caches nothing, and the next join retries', async (_, failing) => {
    let broken = true;
    const server = await serve(
      {
        onLoad: async ({ doc }) => {
          if (broken) return failing();
          seedTitle(doc);
        },
      },
      { hookTimeoutMs: 300 },
    );
    const first = await openRaw(`${server.wsUrl}/flaky`);
    expect((await first.closed).code).toBe(CloseCode.InternalError);
    expect(await readMetric(server.httpUrl, 'tandem_hook_errors_total', { hook: 'onLoad' })).toBe(1);
    expect(await readMetric(server.httpUrl, 'tandem_rooms_loaded')).toBe(0);
    broken = false;
    const second = await pool.connectSynced(server.wsUrl, 'flaky');
    expect(text(second.doc)).toBe('Untitled\n');
  });

  it('a throwing onChange, onConnect, onDisconnect or onUnload is counted and changes nothing else', async () => {
    const boom = (): never => {
      throw new Error('app bug');
    };
    const server = await serve({
      onChange: () => Promise.reject(new Error('app bug')),
      onConnect: boom,
      onDisconnect: boom,
      onUnload: boom,
    });
    const a = await pool.connectSynced(server.wsUrl, 'sturdy');
    const b = await pool.connectSynced(server.wsUrl, 'sturdy');
    a.doc.getText('t').insert(0, 'still ');
    b.doc.getText('t').insert(0, 'working');
    await waitFor(() => text(a.doc).length === 13 && text(a.doc) === text(b.doc), { message: 'both edits everywhere' });
    for (const hook of ['onConnect', 'onChange']) {
      await waitFor(async () => (await readMetric(server.httpUrl, 'tandem_hook_errors_total', { hook })) > 0, { message: `${hook} counted` });
    }
    const expected = text(a.doc);
    pool.destroyAll();
    await waitFor(async () => (await readMetric(server.httpUrl, 'tandem_hook_errors_total', { hook: 'onUnload' })) === 1, { message: 'onUnload counted' });
    expect(await readMetric(server.httpUrl, 'tandem_hook_errors_total', { hook: 'onDisconnect' })).toBe(2);
    const c = await pool.connectSynced(server.wsUrl, 'sturdy');
    expect(text(c.doc)).toBe(expected);
  });
});
