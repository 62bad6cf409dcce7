/**
 * Precomputed typing: real Yjs updates made before a run, so that the load generator only sends
 * bytes. Each simulated writer types into its own Y.Doc and never sees anyone else's text, so its
 * updates depend only on its own earlier ones: they apply in any interleaving across writers as
 * long as each writer's own order is kept, which is exactly what a relay guarantees.
 */
import * as Y from 'yjs';
import type { PRNG } from 'lib0/prng';
import * as prng from 'lib0/prng';

/** Name of the Y.Text every benchmark document is typed into. */
export const BENCH_TEXT = 'bench';

const ALPHABET = 'etaoin shrdlu cmfwyp vbgkqjxz';

/** How one writer types. */
export interface TypingPlan {
  /** The writer's Yjs client id; unique within a document. */
  clientId: number;
  /** Number of updates to produce. */
  updates: number;
  /** Single-character operations per update (1 for live typing: one update per keystroke). */
  opsPerUpdate?: number;
  /** Share of operations that insert; the rest delete the character before the cursor. */
  insertShare?: number;
  /** Share of operations before which the cursor jumps to a random place in the text. */
  jumpShare?: number;
}

/** What one writer typed: its updates in typing order and the text it ended with. */
export interface Typed {
  updates: Uint8Array[];
  text: string;
}

/**
 * Types `plan.updates` updates at a moving cursor: one character per operation, the cursor
 * advancing with each insert, retreating with each delete and now and then jumping elsewhere.
 */
export function typeUpdates(plan: TypingPlan, rng: PRNG): Typed {
  const { clientId, updates: count, opsPerUpdate = 1, insertShare = 1, jumpShare = 0.05 } = plan;
  const doc = new Y.Doc({ gc: true });
  doc.clientID = clientId;
  const text = doc.getText(BENCH_TEXT);
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  let cursor = 0;
  for (let u = 0; u < count; u++) {
    doc.transact(() => {
      for (let op = 0; op < opsPerUpdate; op++) {
        if (rng.next() < jumpShare) cursor = prng.uint32(rng, 0, text.length);
        if (text.length === 0 || rng.next() < insertShare) {
          text.insert(cursor, ALPHABET.charAt(prng.uint32(rng, 0, ALPHABET.length - 1)));
          cursor += 1;
        } else if (cursor > 0) {
          text.delete(cursor - 1, 1);
          cursor -= 1;
        } else {
          text.delete(0, 1);
        }
      }
    });
  }
  const result = { updates, text: text.toString() };
  doc.destroy();
  return result;
}

/** The text of a document made by applying `updates` (in an order valid for each writer). */
export function textOf(updates: Iterable<Uint8Array>): string {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  const text = doc.getText(BENCH_TEXT).toString();
  doc.destroy();
  return text;
}
