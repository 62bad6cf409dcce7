/**
 * A simulated writer for storage tests and benchmarks: keystrokes typed into a Y.Text at a
 * cursor that mostly moves forward, sometimes jumps elsewhere, sometimes backspaces, like a
 * person drafting. Seeded, so a failing run can be replayed.
 */
import * as prng from 'lib0/prng';
import * as Y from 'yjs';
import type { Rng } from './seed.js';

/** How much to type and how to cut it into updates. */
export interface TypingPlan {
  /** Single-character operations (insertions or backspaces) in total. */
  keystrokes: number;
  /** Keystrokes per transaction, hence per update. Default 1: one update per keystroke. */
  perUpdate?: number;
  /** The Y.Text typed into. Default 'text'. */
  field?: string;
}

/** Types into `doc` and returns the update of every transaction, in order. */
export function typeLikeAWriter(doc: Y.Doc, rng: Rng, { keystrokes, perUpdate = 1, field = 'text' }: TypingPlan): Uint8Array[] {
  const text = doc.getText(field);
  const updates: Uint8Array[] = [];
  const record = (update: Uint8Array) => updates.push(update);
  doc.on('update', record);
  let cursor = text.length;
  for (let done = 0; done < keystrokes; ) {
    doc.transact(() => {
      for (let i = 0; i < perUpdate && done < keystrokes; i++, done++) {
        const roll = prng.real53(rng);
        if (roll < 0.02) cursor = prng.uint32(rng, 0, text.length);
        if (roll > 0.95 && cursor > 0) {
          text.delete(--cursor, 1);
        } else {
          text.insert(cursor++, roll > 0.9 ? ' ' : prng.letter(rng));
        }
      }
    });
  }
  doc.off('update', record);
  return updates;
}
