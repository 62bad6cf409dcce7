/**
 * Issue 4, read-only connections: a `read` grant syncs the document down, but every sync step 2
 * and update it sends is dropped (not applied, not stored, not relayed) without closing it, and
 * its presence is dropped too unless the server allows read-only presence.
 */
import * as decoding from 'lib0/decoding';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MessageType, SyncMessageType } from '../../shared/protocol.js';
import type { TandemServerOptions } from '../../server/index.js';
import { createDocumentSession, type DocumentSession } from '../../client/session/session.js';
import { Arena, TEST_SECRET, serverAnswers, startBystanders, tokenFor } from '../helpers/attack.js';
import { awareness, queryAwareness, readAwareness, syncStep1, syncUpdate } from '../helpers/frames.js';
import { readMetric, type TestServer } from '../helpers/server.js';
import { textUpdate } from '../helpers/text-docs.js';
import { waitFor } from '../helpers/wait-for.js';

const DOC = 'wiki-home';

/** The text carried by the sync step 2 frames in `frames`, applied in order to a fresh doc. */
function textOfStep2s(frames: readonly Uint8Array[]): string {
  const doc = new Y.Doc();
  for (const frame of frames) {
    const decoder = decoding.createDecoder(frame);
    if (decoding.readVarUint(decoder) !== MessageType.Sync || decoding.readVarUint(decoder) !== SyncMessageType.Step2) continue;
    Y.applyUpdate(doc, decoding.readVarUint8Array(decoder));
  }
  const text = doc.getText('text').toString();
  doc.destroy();
  return text;
}

describe('read-only connections', () => {
  const arena = new Arena();
  const { pool } = arena;

  const sessions: DocumentSession[] = [];

  afterEach(async () => {
    for (const session of sessions.splice(0)) session.destroy();
    await arena.cleanup();
  });

  function start(options: TandemServerOptions = {}): Promise<TestServer> {
    return arena.start({ auth: { kind: 'secret', secret: TEST_SECRET }, ...options });
  }

  it('a stock provider with a read grant syncs down, and its own edits reach nobody and are not stored', async () => {
    const target = await start();
    const bystanders = await startBystanders(pool, target.wsUrl, DOC, { token: await tokenFor(['wiki-*:write']) });
    const viewer = await pool.connectSynced(target.wsUrl, DOC, { params: { token: await tokenFor(['wiki-*:read']) } });
    let viewerDrops = 0;
    viewer.provider.on('connection-close', () => viewerDrops++);
    await waitFor(() => viewer.doc.getText('text').toString() === 'before;', { message: 'the viewer to sync down' });

    viewer.doc.getText('text').insert(0, 'evil;');
    await waitFor(async () => (await readMetric(target.httpUrl, 'tandem_dropped_frames_total', { reason: 'read_only_update' })) >= 2, {
      message: "the viewer's step 2 and update to be dropped",
    });
    const text = await bystanders.carryOn();
    expect(text).toBe('before;after-1;');
    await waitFor(() => viewer.doc.getText('text').toString().includes('after-1;'), { message: 'later edits to reach the viewer' });
    expect(viewerDrops).toBe(0);
    expect(await serverAnswers(target.httpUrl)).toBe(true);
    expect(await arena.stopAndRead(DOC)).toBe(text);
  });

  it('drops hand-built step 2 and update frames from a read-only socket without closing it', async () => {
    const target = await start();
    const bystanders = await startBystanders(pool, target.wsUrl, DOC, { token: await tokenFor(['wiki-home:write']) });
    const attacker = await arena.raw(`${DOC}?token=${await tokenFor(['wiki-home:read'])}`);
    attacker.send(syncUpdate(textUpdate('evil-step2;'), SyncMessageType.Step2));
    attacker.send(syncUpdate(textUpdate('evil-update;')));
    // Frames are handled in order: the answer to this step 1 shows the server's document after both.
    attacker.send(syncStep1());
    await waitFor(() => textOfStep2s(attacker.received) !== '', { message: 'the answer to the step 1' });
    expect(textOfStep2s(attacker.received)).toBe('before;');

    const text = await bystanders.carryOn();
    expect(text).toBe('before;after-1;');
    expect(await readMetric(target.httpUrl, 'tandem_dropped_frames_total', { reason: 'read_only_update' })).toBe(2);
    expect(attacker.socket.readyState).toBe(attacker.socket.OPEN);
    expect(await arena.stopAndRead(DOC)).toBe(text);
  });

  it('drops the presence of read-only connections by default', async () => {
    const target = await start();
    const writer = await pool.connectSynced(target.wsUrl, DOC, { params: { token: await tokenFor(['wiki-*:write'], { name: 'Wren' }) } });
    writer.provider.awareness.setLocalState({ cursor: null });
    const viewer = await arena.raw(`${DOC}?token=${await tokenFor(['wiki-*:read'], { name: 'Vee' })}`);
    viewer.send(awareness([{ clientId: 777, clock: 1, state: JSON.stringify({ user: { name: 'Vee', color: '#123456' } }) }]));
    viewer.send(queryAwareness());
    const snapshot = await waitFor(
      () => viewer.received.map(readAwareness).find((entries) => entries?.some((entry) => entry.clientId === writer.doc.clientID)),
      {
        message: "the answer to the query, with the writer's presence",
      },
    );
    expect(snapshot.map((entry) => entry.clientId)).not.toContain(777);
    expect(writer.provider.awareness.getStates().has(777)).toBe(false);
    expect(await readMetric(target.httpUrl, 'tandem_dropped_frames_total', { reason: 'read_only_presence' })).toBe(1);
  });

  it('relays read-only presence, under the token name, when the server allows it', async () => {
    const target = await start({ readOnlyPresence: true });
    const writer = await pool.connectSynced(target.wsUrl, DOC, { params: { token: await tokenFor(['wiki-*:write']) } });
    const viewer = await pool.connectSynced(target.wsUrl, DOC, { params: { token: await tokenFor(['wiki-*:read'], { name: 'Vee' }) } });
    viewer.provider.awareness.setLocalState({ user: { name: 'Not Vee', color: '#123456' } });
    await waitFor(() => writer.provider.awareness.getStates().get(viewer.doc.clientID)?.user?.name === 'Vee', { message: "the viewer's presence" });
    viewer.doc.getText('text').insert(0, 'evil;');
    writer.doc.getText('text').insert(0, 'kept;');
    await waitFor(() => viewer.doc.getText('text').toString().includes('kept;'), { message: "the writer's edit at the viewer" });
    expect(writer.doc.getText('text').toString()).toBe('kept;');
  });

  it('tells an opted-in client it may only read, so a Tandem session turns read-only', async () => {
    const target = await start();
    const raw = await arena.raw(`${DOC}?tandem=1&token=${await tokenFor(['wiki-*:read'])}`);
    await waitFor(() => raw.received.length > 0, { message: 'the first frame' });
    expect([...(raw.received[0] as Uint8Array)]).toEqual([MessageType.Access, 0]);
    const plain = await arena.raw(`${DOC}?token=${await tokenFor(['wiki-*:read'])}`);
    await waitFor(() => plain.received.length > 0, { message: "the plain client's first frame" });
    expect(plain.received.some((frame) => frame[0] === MessageType.Access)).toBe(false);

    const open = async (grant: string): Promise<DocumentSession> => {
      const session = createDocumentSession({
        serverUrl: target.wsUrl,
        documentName: DOC,
        token: await tokenFor([grant]),
        WebSocketImpl: WebSocket as unknown as typeof globalThis.WebSocket,
        crossTab: false,
        offline: false,
      });
      sessions.push(session);
      await waitFor(() => session.status.kind === 'live', { message: `${grant} live` });
      return session;
    };
    const reader = await open('wiki-*:read');
    const writer = await open('wiki-*:write');
    // The access message comes before the first sync, so a live session already knows.
    expect([reader.readOnly, writer.readOnly]).toEqual([true, false]);
  });

  it('acknowledges dropped frames as changing nothing, so the durable-save count stays aligned', async () => {
    await start();
    const viewer = await arena.raw(`${DOC}?tandem=1&token=${await tokenFor(['wiki-*:read'])}`);
    viewer.send(syncUpdate(textUpdate('ignored;'), SyncMessageType.Step2));
    viewer.send(syncUpdate(textUpdate('ignored-too;')));
    await waitFor(() => viewer.received.some((frame) => frame[0] === MessageType.Saved && frame[1] === 2), { message: 'Saved 2' });
  });
});
