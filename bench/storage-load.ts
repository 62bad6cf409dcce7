/**
 * Storage benchmark: cold load of a long log from LevelDB, and what compaction saves.
 *
 *   node --import tsx bench/storage-load.ts
 *
 * Prints one JSON line, then a table. TANDEM_SEED replays the same typing.
 */
import * as Y from 'yjs';
import { openLevelDbStore } from '../server/storage/leveldb-store.js';
import { mergeLog } from '../server/yjs/merge-log.js';
import { createRng, pickSeed } from '../test/helpers/seed.js';
import { makeTempDir, removeTempDir } from '../test/helpers/temp-dir.js';
import { typeLikeAWriter } from '../test/helpers/text-docs.js';
import { median } from './stats.js';

const LOAD_RUNS = 15;
const seed = pickSeed();

function timed<T>(body: () => T): [T, number] {
  const started = performance.now();
  const result = body();
  return [result, performance.now() - started];
}

function sum(updates: readonly Uint8Array[]): number {
  return updates.reduce((total, update) => total + update.byteLength, 0);
}

/** Load of 100,000 single-character operations stored as 1,000 updates, each run on a freshly opened store. */
async function coldLoad(dir: string) {
  const doc = new Y.Doc();
  const updates = typeLikeAWriter(doc, createRng(seed), { keystrokes: 100_000, perUpdate: 100 });
  const writer = await openLevelDbStore(dir, { compactAfterUpdates: Infinity, compactAfterBytes: Infinity });
  for (const update of updates) await writer.append('long', update);
  await writer.close();

  const loadMs: number[] = [];
  const loadAndApplyMs: number[] = [];
  for (let run = 0; run < LOAD_RUNS; run++) {
    const store = await openLevelDbStore(dir, { compactAfterUpdates: Infinity, compactAfterBytes: Infinity });
    const started = performance.now();
    const loaded = (await store.load('long'))!;
    loadMs.push(performance.now() - started);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, loaded);
    loadAndApplyMs.push(performance.now() - started);
    if (copy.getText('text').toString() !== doc.getText('text').toString()) throw new Error('loaded text differs');
    copy.destroy();
    await store.close();
  }
  doc.destroy();
  return {
    updates: updates.length,
    logBytes: sum(updates),
    loadFirstMs: loadMs[0]!,
    loadMedianMs: median(loadMs),
    loadMaxMs: Math.max(...loadMs),
    loadAndApplyMedianMs: median(loadAndApplyMs),
  };
}

/** 10,000 keystrokes, one update each: bytes per keystroke, both ways of merging, and the compacted store. */
async function keystrokes(dir: string) {
  const doc = new Y.Doc();
  const updates = typeLikeAWriter(doc, createRng(seed), { keystrokes: 10_000 });
  const state = Y.encodeStateAsUpdate(doc).byteLength;
  const [viaMergeUpdates, mergeUpdatesMs] = timed(() => Y.mergeUpdates(updates));
  const roundtripStarted = performance.now();
  const viaDoc = (await mergeLog(updates))!;
  const docRoundtripMs = performance.now() - roundtripStarted;

  const store = await openLevelDbStore(dir);
  const started = performance.now();
  for (const update of updates) await store.append('keys', update);
  const appendMs = performance.now() - started;
  await store.compact('keys');
  const stored = (await store.info('keys'))!.bytes;
  await store.close();
  doc.destroy();
  return {
    keystrokes: updates.length,
    bytesPerKeystroke: sum(updates) / updates.length,
    appendOnePerTickMs: appendMs / updates.length,
    stateBytes: state,
    mergeUpdatesBytes: viaMergeUpdates.byteLength,
    mergeUpdatesMs,
    docRoundtripBytes: viaDoc.byteLength,
    docRoundtripMs,
    compactedBytes: stored,
    compactedRatio: stored / state,
  };
}

const loadDir = await makeTempDir('tandem-bench-load-');
const keysDir = await makeTempDir('tandem-bench-keys-');
try {
  const load = await coldLoad(loadDir);
  const keys = await keystrokes(keysDir);
  console.log(JSON.stringify({ bench: 'storage-load', seed, load, keystrokes: keys }));
  const rows: Array<[string, string]> = [
    ['load: 100k ops as 1,000 updates, first run', `${load.loadFirstMs.toFixed(1)} ms`],
    [`load: median of ${LOAD_RUNS} (max)`, `${load.loadMedianMs.toFixed(1)} ms (${load.loadMaxMs.toFixed(1)} ms)`],
    ['load + apply to a Y.Doc: median', `${load.loadAndApplyMedianMs.toFixed(1)} ms`],
    ['keystroke update size', `${keys.bytesPerKeystroke.toFixed(1)} B`],
    ['append, one keystroke per tick', `${(keys.appendOnePerTickMs * 1000).toFixed(0)} µs`],
    ['10k keystrokes: Y.mergeUpdates', `${keys.mergeUpdatesBytes} B in ${keys.mergeUpdatesMs.toFixed(0)} ms`],
    ['10k keystrokes: Y.Doc roundtrip', `${keys.docRoundtripBytes} B in ${keys.docRoundtripMs.toFixed(0)} ms`],
    ['10k keystrokes: compacted / state', `${keys.compactedBytes} / ${keys.stateBytes} B = ${keys.compactedRatio.toFixed(3)}`],
  ];
  for (const [what, value] of rows) console.log(`${what.padEnd(44)} ${value}`);
} finally {
  await removeTempDir(loadDir);
  await removeTempDir(keysDir);
}
