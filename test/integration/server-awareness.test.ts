/**
 * Issue 2, test 2, and the presence rules: states reach the others; a client that leaves, dies,
 * or stops answering pings disappears at once; ids belong to the connection that introduced them;
 * unchanged renewals ride along with the next broadcast.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../shared/close-codes.js';
import { ClientPool, openRaw, type RawClient, type TestClient } from '../helpers/clients.js';
import { awareness, readAwareness, type AwarenessEntry } from '../helpers/frames.js';
import { readMetric, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';

const user = (name: string) => ({ user: { name, color: '#3366cc' } });

/** Every awareness entry `client` received, flattened in order. */
function entriesSeen(client: RawClient): AwarenessEntry[] {
  return client.received.flatMap((frame) => readAwareness(frame) ?? []);
}

function peerNames(client: TestClient): string[] {
  const names: string[] = [];
  for (const [id, state] of client.provider.awareness.getStates()) {
    if (id !== client.doc.clientID && typeof state.user?.name === 'string') names.push(state.user.name);
  }
  return names.sort();
}

describe('awareness', () => {
  let server: TestServer;
  const pool = new ClientPool();
  const children: ChildProcess[] = [];
  const raws: RawClient[] = [];

  beforeEach(async () => {
    server = await startTestServer({ heartbeatIntervalMs: 100 });
  });

  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const raw of raws.splice(0)) raw.close();
    pool.destroyAll();
    await server.close();
  });

  async function raw(path: string, options?: { autoPong?: boolean }): Promise<RawClient> {
    const client = await openRaw(`${server.wsUrl}/${path}`, options);
    raws.push(client);
    return client;
  }

  it('each client sees the state of every other client', async () => {
    const clients = await Promise.all(['ada', 'bo', 'cy'].map(() => pool.connectSynced(server.wsUrl, 'room')));
    for (const [i, client] of clients.entries()) client.provider.awareness.setLocalState(user(['ada', 'bo', 'cy'][i] as string));
    await waitFor(() => peerNames(clients[0] as TestClient).join() === 'bo,cy', { message: 'ada to see bo and cy' });
    await waitFor(() => peerNames(clients[1] as TestClient).join() === 'ada,cy', { message: 'bo to see ada and cy' });
    await waitFor(() => peerNames(clients[2] as TestClient).join() === 'ada,bo', { message: 'cy to see ada and bo' });
  });

  it('a client that closes disappears from the others within 1 s', async () => {
    const watcher = await pool.connectSynced(server.wsUrl, 'room');
    const leaver = await pool.connectSynced(server.wsUrl, 'room');
    leaver.provider.awareness.setLocalState(user('leaver'));
    await waitFor(() => peerNames(watcher).includes('leaver'), { message: 'leaver to appear' });
    leaver.destroy();
    await waitFor(() => !peerNames(watcher).includes('leaver'), { timeout: 1000, message: 'leaver to disappear' });
  });

  it('a client whose socket drops without a goodbye disappears from the others within 1 s', async () => {
    const watcher = await pool.connectSynced(server.wsUrl, 'room');
    const dropper = await raw('room');
    dropper.send(awareness([{ clientId: 4242, clock: 1, state: JSON.stringify(user('dropper')) }]));
    await waitFor(() => peerNames(watcher).includes('dropper'), { message: 'dropper to appear' });
    dropper.close();
    await waitFor(() => !peerNames(watcher).includes('dropper'), { timeout: 1000, message: 'dropper to disappear' });
  });

  it('a client process killed with SIGKILL disappears from the others within 1 s', async () => {
    const watcher = await pool.connectSynced(server.wsUrl, 'room');
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { WebSocket } from 'ws';
         import * as Y from 'yjs';
         import { WebsocketProvider } from 'y-websocket';
         const provider = new WebsocketProvider(process.env.URL, 'room', new Y.Doc(), { WebSocketPolyfill: WebSocket, disableBc: true });
         provider.awareness.setLocalState({ user: { name: 'doomed', color: '#aa0000' } });`,
      ],
      { env: { ...process.env, URL: server.wsUrl }, stdio: 'ignore' },
    );
    children.push(child);
    await waitFor(() => peerNames(watcher).includes('doomed'), { message: 'child to appear' });
    child.kill('SIGKILL');
    await waitFor(() => !peerNames(watcher).includes('doomed'), { timeout: 1000, message: 'killed child to disappear' });
  });

  it('a client that stops answering pings is dropped and its presence removed', async () => {
    const watcher = await pool.connectSynced(server.wsUrl, 'room');
    const silent = await raw('room', { autoPong: false });
    silent.send(awareness([{ clientId: 777, clock: 1, state: JSON.stringify(user('silent')) }]));
    await waitFor(() => peerNames(watcher).includes('silent'), { message: 'silent client to appear' });
    await silent.closed;
    await waitFor(() => !peerNames(watcher).includes('silent'), { timeout: 1000, message: 'silent client to disappear' });
    expect(await readMetric(server.httpUrl, 'tandem_connection_closes_total', { code: String(CloseCode.HeartbeatTimeout) })).toBe(1);
  });

  it('a state for a client id another connection owns is ignored', async () => {
    const owner = await raw('room');
    const impostor = await raw('room');
    const watcher = await raw('room');
    owner.send(awareness([{ clientId: 1, clock: 1, state: '{"who":"owner"}' }]));
    await waitFor(() => entriesSeen(watcher).some((e) => e.clientId === 1), { message: 'owner state to reach the watcher' });
    impostor.send(awareness([{ clientId: 1, clock: 5, state: '{"who":"impostor"}' }]));
    impostor.send(awareness([{ clientId: 2, clock: 1, state: '{"who":"impostor-self"}' }]));
    await waitFor(() => entriesSeen(watcher).some((e) => e.clientId === 2), { message: 'impostor own state' });
    expect(entriesSeen(watcher).filter((e) => e.clientId === 1)).toEqual([{ clientId: 1, clock: 1, state: '{"who":"owner"}' }]);
  });

  it('a stock client that reconnects within 30 s is visible again to stock clients within a second', async () => {
    const watcher = await pool.connectSynced(server.wsUrl, 'room');
    const returner = await pool.connectSynced(server.wsUrl, 'room');
    returner.provider.awareness.setLocalState(user('returner'));
    await waitFor(() => peerNames(watcher).includes('returner'), { message: 'returner to appear' });
    returner.provider.disconnect();
    await waitFor(() => !peerNames(watcher).includes('returner'), { timeout: 1000, message: 'returner to disappear' });
    // It comes back with the state and clock it had: the ones the removal the watcher saw carried.
    returner.provider.connect();
    await waitFor(() => peerNames(watcher).includes('returner'), { timeout: 1000, message: 'returner to be visible again' });
    returner.provider.awareness.setLocalState(user('returner, moved'));
    await waitFor(() => peerNames(watcher).includes('returner, moved'), { timeout: 1000, message: 'its next change to arrive' });
  });

  it('a removed client id cannot be taken over by a connection present at the removal, nor by one from another address', async () => {
    const owner = await raw('room');
    const peer = await raw('room');
    const watcher = await raw('room');
    owner.send(awareness([{ clientId: 1, clock: 1, state: '{"who":"owner"}' }]));
    await waitFor(() => entriesSeen(watcher).some((e) => e.clientId === 1), { message: 'owner state to reach the watcher' });
    owner.close();
    await waitFor(() => entriesSeen(watcher).some((e) => e.clientId === 1 && e.state === 'null'), { message: 'the removal' });
    const removedAt = entriesSeen(watcher).length;
    peer.send(awareness([{ clientId: 1, clock: 5, state: '{"who":"peer"}' }]));
    const intruder = await openRaw(`${server.wsUrl}/room`, { localAddress: '127.0.0.2' });
    raws.push(intruder);
    intruder.send(awareness([{ clientId: 1, clock: 9, state: '{"who":"intruder"}' }]));
    intruder.send(awareness([{ clientId: 2, clock: 1, state: '{"who":"intruder-self"}' }]));
    await waitFor(() => entriesSeen(watcher).some((e) => e.clientId === 2), { message: "the intruder's own state" });
    expect(
      entriesSeen(watcher)
        .slice(removedAt)
        .filter((e) => e.clientId === 1),
    ).toEqual([]);
  });

  it('closes a connection sending presence states that are not JSON objects with 4400, in open mode too', async () => {
    for (const state of ['[1,2]', '12']) {
      const sender = await raw('room');
      sender.send(awareness([{ clientId: 3, clock: 1, state }]));
      expect((await sender.closed).code).toBe(CloseCode.BadMessage);
    }
  });

  it('an unchanged renewal is not relayed alone but rides along with the next change', async () => {
    const renewer = await raw('room');
    const mover = await raw('room');
    const watcher = await raw('room');
    renewer.send(awareness([{ clientId: 10, clock: 1, state: '{"at":1}' }]));
    mover.send(awareness([{ clientId: 20, clock: 1, state: '{"at":1}' }]));
    await waitFor(() => entriesSeen(watcher).filter((e) => e.clientId === 10 || e.clientId === 20).length === 2, {
      message: 'both states to arrive',
    });
    const framesBefore = watcher.received.length;
    renewer.send(awareness([{ clientId: 10, clock: 2, state: '{"at":1}' }]));
    mover.send(awareness([{ clientId: 20, clock: 2, state: '{"at":2}' }]));
    await waitFor(() => entriesSeen(watcher).some((e) => e.clientId === 20 && e.clock === 2), { message: 'the change to arrive' });
    const later = watcher.received.slice(framesBefore).map((frame) => readAwareness(frame));
    expect(later).toEqual([
      [
        { clientId: 20, clock: 2, state: '{"at":2}' },
        { clientId: 10, clock: 2, state: '{"at":1}' },
      ],
    ]);
  });
});
