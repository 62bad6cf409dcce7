import * as prng from 'lib0/prng';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { clockRanges, readIncoming, singleStructHead, updateFrame } from '../../bench/frames.js';
import { textOf, typeUpdates } from '../../bench/typing.js';
import { withSeed } from '../helpers/seed.js';

describe('bench precomputed typing', () => {
  it('gives every live keystroke exactly one clock of its writer, in typing order', () => {
    const { updates, text } = typeUpdates({ clientId: 77, updates: 300 }, prng.create(5));
    expect(text).toHaveLength(300);
    updates.forEach((update, clock) => {
      expect(clockRanges(update)).toEqual([[77, clock, clock + 1]]);
      expect(singleStructHead(update)).toEqual({ client: 77, clock });
    });
  });

  it('applies in any interleaving across writers that keeps each writer in order, to the same text', async () => {
    await withSeed(async (rng) => {
      const writers = [1, 2, 3, 4].map((clientId) => typeUpdates({ clientId, updates: 150 }, rng).updates);
      const inOrder = textOf(writers.flat());
      const cursors = writers.map(() => 0);
      const shuffled: Uint8Array[] = [];
      while (shuffled.length < 600) {
        const w = prng.uint32(rng, 0, writers.length - 1);
        const next = writers[w]![cursors[w]!];
        if (next === undefined) continue;
        shuffled.push(next);
        cursors[w]! += 1;
      }
      const doc = new Y.Doc();
      for (const update of shuffled) Y.applyUpdate(doc, update);
      expect(doc.store.pendingStructs).toBeNull();
      expect(doc.getText('bench').toString()).toBe(inOrder);
      expect(inOrder).toHaveLength(600);
      doc.destroy();
    });
  });

  it('mixes inserts and deletes in the share asked for, several operations per update', () => {
    const { updates, text } = typeUpdates({ clientId: 9, updates: 100, opsPerUpdate: 100, insertShare: 0.7 }, prng.create(3));
    expect(updates).toHaveLength(100);
    // 7,000 inserts and 3,000 deletes leave about 4,000 characters.
    expect(text.length).toBeGreaterThan(3500);
    expect(text.length).toBeLessThan(4500);
    expect(textOf(updates)).toBe(text);
  });

  it('recognises a merged run of keystrokes by its clock range', () => {
    const { updates } = typeUpdates({ clientId: 5, updates: 20 }, prng.create(1));
    const merged = Y.mergeUpdates(updates.slice(4, 12));
    expect(clockRanges(merged)).toEqual([[5, 4, 12]]);
    const incoming = readIncoming(updateFrame(merged));
    expect(incoming.kind).toBe('update');
  });
});
