/**
 * Updates that cannot integrate yet (issue 13): Yjs's own formatting cleanup is stored like any
 * change; an update is acknowledged as saved only once all of it is stored, and whatever else
 * waits never holds up anyone's acks; what waits is bounded by bytes and age, past which only
 * its senders are closed (4524) and they heal by resyncing; an HTTP import that cannot
 * integrate answers 422 at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../../shared/close-codes.js';
import { SyncMessageType } from '../../shared/protocol.js';
import { ClientPool, openRaw, type RawClient, type TestClient } from '../helpers/clients.js';
import { deletionUpdate, savedCountsIn, syncStep1, syncUpdate } from '../helpers/frames.js';
import { readMetric, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';

/** The close codes a stock client saw, from now on. */
function closeCodes(client: TestClient): number[] {
  const codes: number[] = [];
  client.provider.on('connection-close', (event: CloseEvent | null) => {
    if (event !== null) codes.push(event.code);
  });
  return codes;
}

/** The stored document, read through the HTTP API. */
async function storedDoc(server: TestServer, name: string): Promise<Y.Doc> {
  const response = await fetch(`${server.httpUrl}/api/documents/${name}?format=yjs`);
  const doc = new Y.Doc();
  if (response.status === 200) Y.applyUpdate(doc, new Uint8Array(await response.arrayBuffer()));
  return doc;
}

/** The update `doc` gained since `before` (a state vector). */
function since(doc: Y.Doc, before: Uint8Array): Uint8Array {
  return Y.encodeStateAsUpdate(doc, before);
}

/** A doc whose `text` was typed by `clientID`, one update per call of the returned function. */
function typist(clientID: number): { doc: Y.Doc; type(index: number, text: string): Uint8Array } {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  return {
    doc,
    type(index, text) {
      const before = Y.encodeStateVector(doc);
      doc.getText('text').insert(index, text);
      return since(doc, before);
    },
  };
}

/** Structs of a client starting at `clock` (the clocks below it never sent): they wait forever. */
function structsFrom(clientID: number, clock: number, text: string): Uint8Array {
  const writer = typist(clientID);
  writer.type(0, 'x'.repeat(clock));
  return writer.type(clock, text);
}

describe('pending updates', () => {
  const pool = new ClientPool();
  const raws: RawClient[] = [];
  let server: TestServer | null = null;

  async function start(limits: Record<string, number> = {}): Promise<TestServer> {
    server = await startTestServer({ limits });
    return server;
  }

  async function raw(path: string): Promise<RawClient> {
    const client = await openRaw(`${(server as TestServer).wsUrl}/${path}`);
    raws.push(client);
    return client;
  }

  afterEach(async () => {
    pool.destroyAll();
    for (const client of raws.splice(0)) client.close();
    await server?.close();
    server = null;
  });

  it('two writers bolding the same words at once converge and are stored, with nobody closed', async () => {
    const started = await start();
    const alice = await pool.connectSynced(started.wsUrl, 'bold');
    const bob = await pool.connectSynced(started.wsUrl, 'bold');
    const paragraph = new Y.XmlElement('paragraph');
    alice.doc.getXmlFragment('default').insert(0, [paragraph]);
    const text = new Y.XmlText();
    paragraph.insert(0, [text]);
    text.insert(0, 'hello world');
    const textOf = (client: TestClient): Y.XmlText => (client.doc.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
    await waitFor(() => bob.doc.getXmlFragment('default').length === 1 && textOf(bob).toString() === 'hello world', { message: 'text to reach bob' });

    alice.provider.disconnect();
    bob.provider.disconnect();
    const aliceCloses = closeCodes(alice);
    const bobCloses = closeCodes(bob);
    // Integrating the second bold makes the server's Yjs delete the redundant mark in a
    // transaction of its own, with origin null.
    textOf(alice).format(0, 5, { bold: {} });
    textOf(bob).format(0, 5, { bold: {} });
    alice.provider.connect();
    bob.provider.connect();

    const converged = (): boolean =>
      alice.provider.synced &&
      bob.provider.synced &&
      JSON.stringify(textOf(alice).toDelta()) === JSON.stringify(textOf(bob).toDelta()) &&
      Y.encodeStateVector(alice.doc).toString() === Y.encodeStateVector(bob.doc).toString();
    await waitFor(converged, { message: 'both writers to converge' });
    expect(textOf(alice).toDelta()).toEqual([{ insert: 'hello', attributes: { bold: {} } }, { insert: ' world' }]);
    const stored = await waitFor(
      async () => {
        const doc = await storedDoc(started, 'bold');
        const same = Y.encodeStateVector(doc).toString() === Y.encodeStateVector(alice.doc).toString();
        return same ? doc : null;
      },
      { message: 'both bolds to be stored' },
    );
    const storedText = (stored.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
    expect(storedText.toDelta()).toEqual(textOf(alice).toDelta());
    expect([...aliceCloses, ...bobCloses].filter((code) => code === CloseCode.BadMessage || code === CloseCode.InternalError)).toEqual([]);
    expect(await readMetric(started.httpUrl, 'tandem_bad_messages_total', { reason: 'update_rejected' })).toBe(0);
  });

  it('acknowledges deletions that join others already waiting only once they are stored', async () => {
    const started = await start();
    const reader = await pool.connectSynced(started.wsUrl, 'deletes');
    const base = typist(777);
    const baseUpdate = base.type(0, 'abcdefgh');

    const other = await raw('deletes');
    other.send(syncUpdate(deletionUpdate(777, [[0, 2]])));
    other.send(syncStep1());
    await waitFor(() => other.received.some((frame) => frame[1] === SyncMessageType.Step2), { message: 'the first deletion to be read' });
    const writer = await raw('deletes?tandem=1');
    writer.send(syncUpdate(deletionUpdate(777, [[4, 2]])));
    // A later edit of the same writer: its ack may only come once the deletion before it is saved.
    writer.send(syncUpdate(typist(888).type(0, 'Q')));
    await waitFor(() => reader.doc.getText('text').toString() === 'Q', { message: 'the independent edit to reach the reader' });
    const answered = writer.received.length;
    writer.send(syncStep1());
    await waitFor(() => writer.received.slice(answered).some((frame) => frame[1] === SyncMessageType.Step2), { message: 'a step 2 answer' });
    expect(savedCountsIn(writer.received)).toEqual([]);

    writer.send(syncUpdate(baseUpdate));
    await waitFor(() => savedCountsIn(writer.received).includes(3), { message: 'every frame to be saved' });
    const expected = new Y.Doc();
    for (const update of [
      baseUpdate,
      deletionUpdate(777, [
        [0, 2],
        [4, 2],
      ]),
    ])
      Y.applyUpdate(expected, update);
    await waitFor(() => reader.doc.getText('text').toString().replace('Q', '') === expected.getText('text').toString(), {
      message: 'the deletions to reach the reader',
    });
    const stored = await storedDoc(started, 'deletes');
    expect(stored.getText('text').toString()).toBe(reader.doc.getText('text').toString());
  });

  it("acknowledges a writer's edits while someone else's update waits on that writer's later clocks", async () => {
    const started = await start();
    const reader = await pool.connectSynced(started.wsUrl, 'hostage');
    const honest = typist(555);
    const full = typist(555);
    full.type(0, 'abc');
    const attacker = new Y.Doc();
    attacker.clientID = 999;
    Y.applyUpdate(attacker, Y.encodeStateAsUpdate(full.doc));
    const before = Y.encodeStateVector(attacker);
    // Inserted right after the honest writer's third character, which the server has not seen.
    attacker.getText('text').insert(3, '!');
    const waiting = await raw('hostage?tandem=1');
    waiting.send(syncUpdate(since(attacker, before)));

    const writer = await raw('hostage?tandem=1');
    writer.send(syncUpdate(honest.type(0, 'a')));
    await waitFor(() => savedCountsIn(writer.received).includes(1), { message: 'the first keystroke to be saved' });
    writer.send(syncUpdate(honest.type(1, 'bc')));
    await waitFor(() => reader.doc.getText('text').toString() === 'abc!', { message: 'the waiting update to integrate' });
    await waitFor(() => savedCountsIn(waiting.received).includes(1), { message: 'the waiting update to be saved' });
    expect((await storedDoc(started, 'hostage')).getText('text').toString()).toBe('abc!');
  });

  it('closes a writer whose waiting updates pass the byte bound, and only that writer', async () => {
    const started = await start({ maxPendingUpdateBytes: 8 * 1024 });
    const writer = await pool.connectSynced(started.wsUrl, 'bytes');
    const reader = await pool.connectSynced(started.wsUrl, 'bytes');
    const readerCloses = closeCodes(reader);
    writer.doc.getText('text').insert(0, 'before');
    await waitFor(() => reader.doc.getText('text').toString() === 'before', { message: 'first edit' });

    const attacker = await raw('bytes');
    // Each frame fits the bound; together they do not.
    for (let i = 1; i <= 4; i++) attacker.send(syncUpdate(structsFrom(4242, i * 10_000, 'y'.repeat(3 * 1024))));
    expect((await attacker.closed).code).toBe(CloseCode.MissingDependencies);
    expect(await readMetric(started.httpUrl, 'tandem_limit_hits_total', { limit: 'max_pending_update_bytes' })).toBe(1);

    writer.doc.getText('text').insert(6, ' after');
    await waitFor(() => reader.doc.getText('text').toString() === 'before after', { message: 'a later edit' });
    expect(readerCloses).toEqual([]);
    await waitFor(async () => (await storedDoc(started, 'bytes')).getText('text').toString() === 'before after', { message: 'stored' });
  });

  it('closes a writer whose deletions of unknown clocks wait past the age bound, and only that writer', async () => {
    const started = await start({ maxPendingUpdateAgeMs: 300 });
    const writer = await pool.connectSynced(started.wsUrl, 'age');
    const reader = await pool.connectSynced(started.wsUrl, 'age');
    const readerCloses = closeCodes(reader);
    const attacker = await raw('age');
    attacker.send(
      syncUpdate(
        deletionUpdate(31337, [
          [1_000_000, 5],
          [2_000_000, 5],
        ]),
      ),
    );
    expect((await attacker.closed).code).toBe(CloseCode.MissingDependencies);
    expect(await readMetric(started.httpUrl, 'tandem_limit_hits_total', { limit: 'max_pending_update_age_ms' })).toBe(1);
    writer.doc.getText('text').insert(0, 'still here');
    await waitFor(() => reader.doc.getText('text').toString() === 'still here', { message: 'an edit after' });
    expect(readerCloses).toEqual([]);
  });

  it('heals a tab whose edits depend on a sibling tab that never sends them: closed, it resyncs them itself', async () => {
    const started = await start({ maxPendingUpdateAgeMs: 300 });
    const tab = await pool.connectSynced(started.wsUrl, 'siblings');
    const sibling = await pool.connectSynced(started.wsUrl, 'siblings');
    const reader = await pool.connectSynced(started.wsUrl, 'siblings');
    const tabCloses = closeCodes(tab);
    sibling.provider.disconnect();
    const before = Y.encodeStateVector(sibling.doc);
    sibling.doc.getText('text').insert(0, 'from the sibling');
    // What BroadcastChannel does: the tab gets the sibling's edit, and does not send it on.
    Y.applyUpdate(tab.doc, since(sibling.doc, before), tab.provider);
    tab.doc.getText('text').insert(16, ', then the tab');

    await waitFor(() => reader.doc.getText('text').toString() === 'from the sibling, then the tab', { message: 'both edits to reach the reader' });
    expect(tabCloses).toContain(CloseCode.MissingDependencies);
    await waitFor(async () => (await storedDoc(started, 'siblings')).getText('text').toString() === 'from the sibling, then the tab', { message: 'stored' });
  });

  it('answers 422 at once to an imported update that cannot integrate, and later writes of that document go through', async () => {
    const started = await start();
    const url = `${started.httpUrl}/api/documents/imported?format=yjs`;
    const refused = await fetch(url, { method: 'PUT', body: Buffer.from(structsFrom(4242, 100, 'dangling')) });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ code: 'missing_dependencies' });

    const whole = typist(1).type(0, 'whole');
    expect((await fetch(url, { method: 'PUT', body: Buffer.from(whole) })).status).toBe(201);
    expect((await storedDoc(started, 'imported')).getText('text').toString()).toBe('whole');
    expect((await fetch(`${started.httpUrl}/api/documents/imported`, { method: 'DELETE' })).status).toBe(204);
  });
});
