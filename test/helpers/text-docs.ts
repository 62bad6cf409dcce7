/**
 * Y.Text documents for storage tests and benchmarks: a simulated writer, and updates built from
 * and read back as plain text.
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

/**
 * Types into `doc` and returns the update of every transaction, in order: keystrokes at a cursor
 * that mostly moves forward, sometimes jumps elsewhere, sometimes backspaces, like a person
 * drafting. Seeded, so a failing run can be replayed.
 */
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

/** A one-update document whose Y.Text `field` holds `content`. */
export function textUpdate(content: string, field = 'text'): Uint8Array {
  const doc = new Y.Doc();
  doc.getText(field).insert(0, content);
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

/**
 * Two updates of one writer's Y.Text `text`: `base`, then `more` appended, which depends on it
 * (sent alone, it waits for the base). `stateVector` is the writer's after both.
 */
export function dependentUpdates(base: string, more: string): { base: Uint8Array; dependent: Uint8Array; stateVector: Uint8Array } {
  const doc = new Y.Doc();
  doc.getText('text').insert(0, base);
  const first = Y.encodeStateAsUpdate(doc);
  const afterFirst = Y.encodeStateVector(doc);
  doc.getText('text').insert(base.length, more);
  const result = { base: first, dependent: Y.encodeStateAsUpdate(doc, afterFirst), stateVector: Y.encodeStateVector(doc) };
  doc.destroy();
  return result;
}

/** The Y.Text `field` of the document `update` describes; null for null. */
export function textOf(update: Uint8Array | null, field = 'text'): string | null {
  if (update === null) return null;
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  const text = doc.getText(field).toString();
  doc.destroy();
  return text;
}
