/**
 * The state vector of a large stored document is read, and a long log is merged for compaction,
 * in a worker thread: each must give exactly what the same function gives on the event loop, and
 * a stored update cut short must still fail the load.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { mergeLog } from '../../server/yjs/merge-log.js';
import { MERGE_OFF_THREAD_UPDATES, mergeLogOffThread, STATE_VECTOR_OFF_THREAD_BYTES, stateVectorOfStoredOffThread } from '../../server/yjs/off-thread.js';
import { stateVectorOfStored } from '../../server/yjs/stored-document.js';

/** A stored document of at least `bytes`, written by three clients in many small updates. */
function storedDocument(bytes: number): Uint8Array {
  const docs = [1, 2, 3].map((clientID) => {
    const doc = new Y.Doc();
    doc.clientID = clientID;
    return doc;
  });
  const merged = new Y.Doc();
  let round = 0;
  while (Y.encodeStateAsUpdate(merged).byteLength < bytes) {
    for (const doc of docs) {
      const text = doc.getText('t');
      text.insert(Math.min(text.length, round * 7), `${round}:${'x'.repeat(200)} `, round % 2 === 0 ? { bold: true } : {});
      if (round % 5 === 4) text.delete(0, 3);
      Y.applyUpdate(merged, Y.encodeStateAsUpdate(doc));
    }
    for (const doc of docs) Y.applyUpdate(doc, Y.encodeStateAsUpdate(merged));
    round++;
  }
  return Y.encodeStateAsUpdate(merged);
}

describe('stateVectorOfStoredOffThread', () => {
  const large = storedDocument(STATE_VECTOR_OFF_THREAD_BYTES + 64 * 1024);

  it('reads the same state vector in the worker as on the event loop, and Yjs agrees', async () => {
    expect(large.byteLength).toBeGreaterThanOrEqual(STATE_VECTOR_OFF_THREAD_BYTES);
    const read = await stateVectorOfStoredOffThread(large);
    expect(Buffer.from(read)).toEqual(Buffer.from(stateVectorOfStored(large)));
    expect(Y.decodeStateVector(read)).toEqual(Y.decodeStateVector(Y.encodeStateVectorFromUpdate(large)));
    // The caller's bytes are left as they were (a copy went to the worker).
    expect(large.byteLength).toBeGreaterThan(0);
    expect(Buffer.from(Y.encodeStateVectorFromUpdate(large))).toEqual(Buffer.from(read));
  });

  it('answers several documents at once, each with its own state vector', async () => {
    const small = storedDocument(4096);
    const [a, b, c] = await Promise.all([stateVectorOfStoredOffThread(large), stateVectorOfStoredOffThread(small), stateVectorOfStoredOffThread(large)]);
    expect(Buffer.from(a)).toEqual(Buffer.from(stateVectorOfStored(large)));
    expect(Buffer.from(b)).toEqual(Buffer.from(stateVectorOfStored(small)));
    expect(Buffer.from(c)).toEqual(Buffer.from(a));
  });

  it('rejects a large stored update cut short, as the event-loop reading throws', async () => {
    const cut = large.slice(0, large.byteLength - 1000);
    expect(() => stateVectorOfStored(cut)).toThrow();
    await expect(stateVectorOfStoredOffThread(cut)).rejects.toThrow();
    // The worker survives a bad document.
    expect(Buffer.from(await stateVectorOfStoredOffThread(large))).toEqual(Buffer.from(stateVectorOfStored(large)));
  });

  it('merges a long log in the worker into the same update as on the event loop, and leaves the log as it was', async () => {
    const writer = new Y.Doc();
    writer.clientID = 7;
    const log: Uint8Array[] = [];
    writer.on('update', (update: Uint8Array) => log.push(update));
    const text = writer.getText('t');
    for (let i = 0; log.length < MERGE_OFF_THREAD_UPDATES * 3; i++) {
      if (i % 9 === 8) text.delete(0, 2);
      else text.insert(Math.min(text.length, i % 13), String.fromCharCode(97 + (i % 26)), i % 4 === 0 ? { bold: true } : {});
    }
    const before = log.map((update) => Buffer.from(update));
    const merged = await mergeLogOffThread(log);
    expect(merged).not.toBeNull();
    expect(Buffer.from(merged as Uint8Array)).toEqual(Buffer.from((await mergeLog(log)) as Uint8Array));
    const reader = new Y.Doc();
    Y.applyUpdate(reader, merged as Uint8Array);
    expect(reader.getText('t').toDelta()).toEqual(text.toDelta());
    expect(log.map((update) => Buffer.from(update))).toEqual(before);
  });

  it('leaves Node Buffers usable, and their neighbours in the buffer pool, as the stores read them', async () => {
    // Small Buffers share slabs of Node's pool: moving one's ArrayBuffer would detach them all.
    const neighbour = Buffer.from('a neighbour in the same slab');
    const stored = Buffer.from(large);
    const log = Array.from({ length: MERGE_OFF_THREAD_UPDATES }, (_, i) => {
      const doc = new Y.Doc();
      doc.clientID = 100 + i;
      doc.getText('t').insert(0, `update ${i}`);
      return Buffer.from(Y.encodeStateAsUpdate(doc));
    });
    const pooled = log.filter((update) => update.buffer.byteLength > update.byteLength);
    expect(pooled.length, 'some updates sit in a shared slab').toBeGreaterThan(0);
    const stateVector = await stateVectorOfStoredOffThread(stored);
    const merged = await mergeLogOffThread(log);
    expect(stored.byteLength).toBe(large.byteLength);
    expect(Buffer.from(stateVector)).toEqual(Buffer.from(stateVectorOfStored(stored)));
    expect(log.every((update) => update.byteLength > 0)).toBe(true);
    expect(neighbour.toString()).toBe('a neighbour in the same slab');
    expect(Buffer.from(merged as Uint8Array)).toEqual(Buffer.from((await mergeLog(log)) as Uint8Array));
  });
});
