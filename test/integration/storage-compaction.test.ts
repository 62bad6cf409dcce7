/**
 * Issue 2, test 4: a writer's 10,000 keystrokes, each its own update, stored and then compacted.
 * The stored document must equal the live one and take at most twice the bytes of the
 * document's own state.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openLevelDbStore } from '../../server/storage/leveldb-store.js';
import type { DocumentStore } from '../../server/storage/store.js';
import { withSeed } from '../helpers/seed.js';
import { closeStores } from '../helpers/stores.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { typeLikeAWriter } from '../helpers/text-docs.js';

describe('compaction of a long typing session', () => {
  let dir: string;
  let stores: DocumentStore[];

  beforeEach(async () => {
    dir = await makeTempDir('tandem-compaction-');
    stores = [];
  });

  afterEach(async () => {
    await closeStores(stores);
    await removeTempDir(dir);
  });

  it('stores 10,000 single-character updates within 2x of the document state once compacted', async () => {
    await withSeed(async (rng) => {
      const doc = new Y.Doc();
      try {
        const updates = typeLikeAWriter(doc, rng, { keystrokes: 10_000 });
        expect(updates).toHaveLength(10_000);

        const store = await openLevelDbStore(dir);
        stores.push(store);
        // A writer's keystrokes arrive one per tick; automatic compaction runs meanwhile.
        for (const update of updates) await store.append('essay', update);
        await store.compact('essay');
        await store.close();

        const reopened = await openLevelDbStore(dir);
        stores.push(reopened);
        const info = (await reopened.info('essay'))!;
        const stored = (await reopened.load('essay'))!;
        expect(info.updates).toBe(1);
        expect(info.bytes).toBe(stored.byteLength);

        const copy = new Y.Doc();
        Y.applyUpdate(copy, stored);
        expect(copy.getText('text').toString()).toBe(doc.getText('text').toString());
        expect(Y.encodeStateVector(copy)).toEqual(Y.encodeStateVector(doc));
        copy.destroy();

        const state = Y.encodeStateAsUpdate(doc).byteLength;
        const ratio = info.bytes / state;
        console.info(`compacted ${info.bytes} bytes for a ${state}-byte state: ratio ${ratio.toFixed(3)}`);
        expect(ratio).toBeLessThanOrEqual(2);
      } finally {
        doc.destroy();
      }
    });
  });
});
