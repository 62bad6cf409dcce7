/**
 * The state vector of a large stored document is read in a worker thread: it must be exactly
 * the one read on the event loop, and a stored update cut short must still fail the load.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { OFF_THREAD_MIN_BYTES, stateVectorOfStoredOffThread } from '../../server/yjs/state-vector-thread.js';
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
  const large = storedDocument(OFF_THREAD_MIN_BYTES + 64 * 1024);

  it('reads the same state vector in the worker as on the event loop, and Yjs agrees', async () => {
    expect(large.byteLength).toBeGreaterThanOrEqual(OFF_THREAD_MIN_BYTES);
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
});
