/**
 * A document large enough that its state vector is read in the worker thread, and a log long
 * enough that compaction merges it there, through a real server on LevelDB and stock clients.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openLevelDbStore } from '../../server/storage/leveldb-store.js';
import { MERGE_OFF_THREAD_UPDATES, STATE_VECTOR_OFF_THREAD_BYTES } from '../../server/yjs/off-thread.js';
import { ClientPool } from '../helpers/clients.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

/** Text of `bytes` characters in lines, each a transaction of its own. */
function writeText(doc: Y.Doc, bytes: number): string {
  const text = doc.getText('t');
  for (let line = 0; text.length < bytes; line++) text.insert(text.length, `line ${line}: ${'words '.repeat(40)}\n`);
  return text.toString();
}

describe('large documents and long logs', () => {
  const pool = new ClientPool();
  let server: TestServer | null = null;
  let dataDir: string | null = null;
  afterEach(async () => {
    pool.destroyAll();
    await server?.close();
    server = null;
    if (dataDir !== null) await removeTempDir(dataDir);
    dataDir = null;
  });

  it('serves a stored document above the worker threshold, and takes edits to it', async () => {
    const writer = new Y.Doc();
    const expected = writeText(writer, STATE_VECTOR_OFF_THREAD_BYTES + 100_000);
    dataDir = await makeTempDir('tandem-large-');
    const store = await openLevelDbStore(dataDir);
    await store.append('report', Y.encodeStateAsUpdate(writer));
    await store.close();
    server = await startTestServer({ dataDir });

    const reader = await pool.connectSynced(server.wsUrl, 'report');
    expect(reader.doc.getText('t').toString()).toBe(expected);
    reader.doc.getText('t').insert(0, 'edited: ');
    const second = await pool.connectSynced(server.wsUrl, 'report');
    await waitFor(() => second.doc.getText('t').toString() === `edited: ${expected}`, { message: 'the second reader sees the edit' });
  });

  it('compacts a log long enough for the worker, and a server serves what it stored', async () => {
    dataDir = await makeTempDir('tandem-long-log-');
    const store = await openLevelDbStore(dataDir, { compactAfterUpdates: Number.POSITIVE_INFINITY });
    const writer = new Y.Doc();
    const updates: Uint8Array[] = [];
    writer.on('update', (update: Uint8Array) => updates.push(update));
    const text = writer.getText('t');
    for (let i = 0; i < MERGE_OFF_THREAD_UPDATES * 3; i++) {
      if (i % 10 === 9) text.delete(0, 1);
      else text.insert(text.length, String.fromCharCode(97 + (i % 26)));
    }
    for (const update of updates) await store.append('long-log', update);
    expect((await store.info('long-log'))?.updates).toBe(updates.length);
    await store.compact('long-log');
    expect((await store.info('long-log'))?.updates).toBe(1);
    await store.close();

    server = await startTestServer({ dataDir });
    const reader = await pool.connectSynced(server.wsUrl, 'long-log');
    expect(reader.doc.getText('t').toString()).toBe(text.toString());
  });
});
