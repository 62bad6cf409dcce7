/**
 * Merging a document's log into one update: `load` wants it fast, compaction wants it small.
 */
import * as Y from 'yjs';
import { concatUpdates, concatUpdatesForLoad } from './update-runs.js';

/**
 * Most updates one `Y.mergeUpdates` call takes. One call over n updates costs more than linear
 * time (it re-sorts its n readers for every struct it writes), so long lists are merged in
 * rounds: 3,000 keystroke updates of 50 writers took 104 ms in one call and 14 ms in rounds of 8;
 * a log of 1,000 updates of 100 operations each, 52-87 ms in rounds of 16-32.
 */
const MERGE_FAN_IN = 16;

/**
 * `Y.mergeUpdates(updates)`: the same document. By moving bytes when the updates' runs follow
 * one another (update-runs.ts), else in rounds of at most {@link MERGE_FAN_IN}.
 */
export function mergeUpdatesInRounds(updates: readonly Uint8Array[]): Uint8Array {
  return concatUpdates(updates) ?? mergeInRounds(updates);
}

/** `Y.mergeUpdates(updates)` in rounds of at most {@link MERGE_FAN_IN}. */
function mergeInRounds(updates: readonly Uint8Array[]): Uint8Array {
  let round = updates;
  while (round.length > MERGE_FAN_IN) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < round.length; i += MERGE_FAN_IN) {
      const group = round.slice(i, i + MERGE_FAN_IN);
      next.push(group.length === 1 ? (group[0] as Uint8Array) : Y.mergeUpdates(group));
    }
    round = next;
  }
  return round.length === 1 ? (round[0] as Uint8Array) : Y.mergeUpdates([...round]);
}

/**
 * Bytes of log {@link mergeLog} applies in one event-loop turn: a long log (1,000 updates of
 * 100 operations took 100-200 ms with the code not yet compiled) must not hold every
 * connection's messages for that long.
 */
const MERGE_SLICE_BYTES = 32 * 1024;

/** The origin of compaction's own transactions: a transaction of any other is Yjs's own. */
const COMPACTING = Symbol('compacting');

/**
 * One update equivalent to applying every update of `log` in order, as small as the document's
 * state, or null for an empty log. For compaction. Applies the log a slice per event-loop turn.
 *
 * A Y.Doc roundtrip rather than `Y.mergeUpdates`: on a log of 10,000 single-character updates
 * the roundtrip wrote the document's exact state size in about 40 ms, while mergeUpdates kept
 * twice the bytes, because it keeps every update's own struct runs and deleted content. Updates
 * whose dependencies are missing stay pending in the doc, and `encodeStateAsUpdate` carries
 * pending structs along, so nothing in the log is dropped.
 *
 * After a slice that brought formatting, Yjs tidies the formatting marks it finds redundant at
 * that point, deleting them in a transaction of its own. The room that wrote the log tidied at
 * other points (after each update it applied), so those deletions are ones no client made:
 * clients would not hold them, and a client syncing with the compacted document would lose marks
 * that a concurrent mark made meaningful again. When Yjs tidied anything, the log is merged by its
 * bytes instead, which holds exactly what the log holds.
 */
export async function mergeLog(log: readonly Uint8Array[]): Promise<Uint8Array | null> {
  if (log.length <= 1) return log[0] ?? null;
  const doc = new Y.Doc();
  let tidied = false;
  doc.on('afterTransaction', (transaction: Y.Transaction) => {
    if (transaction.origin !== COMPACTING && transaction.deleteSet.clients.size > 0) tidied = true;
  });
  try {
    for (let next = 0; next < log.length; ) {
      if (next > 0) await new Promise((resolve) => setImmediate(resolve));
      doc.transact(() => {
        for (let bytes = 0; next < log.length && bytes < MERGE_SLICE_BYTES; next++) {
          const update = log[next] as Uint8Array;
          Y.applyUpdate(doc, update);
          bytes += update.byteLength;
        }
      }, COMPACTING);
      if (tidied) return mergeUpdatesInRounds(log);
    }
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

/**
 * One update equivalent to applying every update of `log` in order, or null for an empty log:
 * fast rather than small, for `load`. Integrating a log into a Y.Doc costs far more than merging
 * its bytes when its updates are large (1,000 updates of 100 operations each: 230-470 ms against
 * 52-87 ms), and a room serves the bytes without building a Y.Doc until an edit needs one.
 */
export function mergeLogForLoad(log: readonly Uint8Array[]): Uint8Array | null {
  return log.length === 0 ? null : (concatUpdatesForLoad(log) ?? mergeInRounds(log));
}
