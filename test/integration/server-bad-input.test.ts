/**
 * Issue 2, test 5: an attacker with hand-built frames gets the documented close code; a
 * well-behaved client in the same document sees no error and loses nothing; storage holds
 * exactly what the well-behaved client wrote.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../shared/close-codes.js';
import { MessageType } from '../../shared/protocol.js';
import { openLevelDbStore } from '../../server/storage/leveldb-store.js';
import { ClientPool, openRaw, type TestClient } from '../helpers/clients.js';
import { awareness, hostile, syncStep1, syncUpdate } from '../helpers/frames.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { dependentUpdates, textOf, textUpdate } from '../helpers/text-docs.js';
import { waitFor } from '../helpers/wait-for.js';

const LIMITS = {
  maxFrameBytes: 32 * 1024,
  byteBurst: 64 * 1024,
  bytesPerSecond: 16 * 1024,
  messageBurst: 40,
  messagesPerSecond: 10,
  maxAwarenessStateBytes: 1024,
};

interface Attack {
  name: string;
  code: number;
  /** Frames the attacker sends, in order. */
  frames: () => (Uint8Array | string)[];
}

const ATTACKS: Attack[] = [
  { name: 'a truncated varint', code: CloseCode.BadMessage, frames: () => [hostile.truncatedVarint()] },
  { name: 'an unknown message type', code: CloseCode.BadMessage, frames: () => [hostile.unknownType()] },
  { name: 'an unknown sync message type', code: CloseCode.BadMessage, frames: () => [hostile.unknownSyncType()] },
  { name: 'a length prefix past the end of the frame', code: CloseCode.BadMessage, frames: () => [hostile.lengthPastEnd()] },
  { name: 'trailing bytes after a message', code: CloseCode.BadMessage, frames: () => [hostile.trailingBytes()] },
  { name: 'an update Yjs cannot decode', code: CloseCode.BadMessage, frames: () => [hostile.garbageUpdate()] },
  { name: 'a state vector Yjs cannot decode', code: CloseCode.BadMessage, frames: () => [hostile.garbageStateVector()] },
  { name: 'a text frame', code: CloseCode.BadMessage, frames: () => ['hello'] },
  { name: 'an awareness state that is not JSON', code: CloseCode.BadMessage, frames: () => [hostile.awarenessNotJson(999)] },
  {
    name: 'an awareness state over its size limit',
    code: CloseCode.TooLarge,
    frames: () => [hostile.awarenessOfSize(999, LIMITS.maxAwarenessStateBytes + 1)],
  },
  {
    name: 'presence under more client ids than one connection may introduce',
    code: CloseCode.TooLarge,
    frames: () => [awareness(Array.from({ length: 9 }, (_, i) => ({ clientId: 1000 + i, clock: 1, state: '{}' })))],
  },
  {
    name: 'a frame over the frame size limit',
    code: CloseCode.MessageTooBig,
    frames: () => [syncStep1(new Uint8Array(LIMITS.maxFrameBytes + 1))],
  },
  {
    name: 'a flood of messages',
    code: CloseCode.RateLimited,
    frames: () => Array.from({ length: LIMITS.messageBurst + 5 }, () => Uint8Array.of(MessageType.QueryAwareness)),
  },
  {
    name: 'a flood of bytes',
    // Valid step 1 frames (an empty state vector padded with zeros) of 30 KiB each.
    code: CloseCode.RateLimited,
    frames: () => Array.from({ length: 4 }, () => syncStep1(new Uint8Array(30 * 1024))),
  },
];

describe('bad input', () => {
  let server: TestServer;
  let dataDir: string;
  const pool = new ClientPool();

  beforeEach(async () => {
    dataDir = await makeTempDir();
    server = await startTestServer({ dataDir, limits: LIMITS });
  });

  afterEach(async () => {
    pool.destroyAll();
    await server.close();
    await removeTempDir(dataDir);
  });

  /** Counts the times a provider lost its connection. */
  function countDrops(client: TestClient): () => number {
    let drops = 0;
    client.provider.on('connection-close', () => drops++);
    return () => drops;
  }

  async function storedText(name: string): Promise<string | null> {
    await server.close();
    const store = await openLevelDbStore(dataDir);
    try {
      return textOf(await store.load(name));
    } finally {
      await store.close();
    }
  }

  it.each(ATTACKS)('$name closes the attacker with its code while a writer carries on', async ({ code, frames }) => {
    const writer = await pool.connectSynced(server.wsUrl, 'target');
    const reader = await pool.connectSynced(server.wsUrl, 'target');
    const writerDrops = countDrops(writer);
    const readerDrops = countDrops(reader);
    writer.doc.getText('text').insert(0, 'before ');
    await waitFor(() => reader.doc.getText('text').toString() === 'before ', { message: 'first edit to reach the reader' });

    const attacker = await openRaw(`${server.wsUrl}/target`);
    for (const frame of frames()) attacker.send(frame);
    expect((await attacker.closed).code).toBe(code);

    writer.doc.getText('text').insert(7, 'after');
    await waitFor(() => reader.doc.getText('text').toString() === 'before after', { message: 'later edit to reach the reader' });
    expect(writerDrops()).toBe(0);
    expect(readerDrops()).toBe(0);
    expect(await storedText('target')).toBe('before after');
  });

  it('an update whose dependencies never arrive is neither relayed nor stored', async () => {
    const reader = await pool.connectSynced(server.wsUrl, 'pending');
    const { base, dependent } = dependentUpdates('base', ' and more');

    const attacker = await openRaw(`${server.wsUrl}/pending?tandem=1`);
    attacker.send(syncUpdate(dependent));
    // A later, independent edit proves the dependent one was processed before it, and not relayed.
    const marker = await openRaw(`${server.wsUrl}/pending`);
    marker.send(syncUpdate(textUpdate('marker')));
    await waitFor(() => reader.doc.getText('text').toString().includes('marker'), { message: 'marker to arrive' });
    expect(reader.doc.getText('text').toString()).toBe('marker');
    expect(attacker.received.some((frame) => frame[0] === MessageType.Saved)).toBe(false);

    // Once the missing base arrives, both integrate, are relayed and stored, and the ack comes.
    attacker.send(syncUpdate(base));
    await waitFor(() => reader.doc.getText('text').toString().includes('base and more'), { message: 'both to arrive' });
    await waitFor(() => attacker.received.some((frame) => frame[0] === MessageType.Saved), { message: 'saved ack' });
    attacker.close();
    marker.close();
    expect(await storedText('pending')).toBe(reader.doc.getText('text').toString());
  });

  it('an update Yjs integrated only in part resets the room without storing it or losing anything', async () => {
    const writer = await pool.connectSynced(server.wsUrl, 'partial');
    const reader = await pool.connectSynced(server.wsUrl, 'partial');
    writer.doc.getText('text').insert(0, 'kept');
    await waitFor(() => reader.doc.getText('text').toString() === 'kept', { message: 'edit to reach the reader' });

    const attacker = await openRaw(`${server.wsUrl}/partial`);
    attacker.send(hostile.truncatedUpdate('poison'));
    expect((await attacker.closed).code).toBe(CloseCode.BadMessage);

    // The others reconnect to a room reloaded from storage; edits still flow both ways.
    writer.doc.getText('text').insert(4, ' going');
    await waitFor(() => reader.doc.getText('text').toString() === 'kept going', { message: 'edit after the reset' });
    const late = await pool.connectSynced(server.wsUrl, 'partial');
    await waitFor(() => late.doc.getText('text').toString() === 'kept going', { message: 'late joiner to see no poison' });
    expect(await storedText('partial')).toBe('kept going');
  });
});
