/**
 * PostgreSQL store benchmark: cold load of a long log, and append throughput when each tick
 * brings a batch of appends (group commit: one statement per tick).
 *
 *   node --import tsx bench/postgres-storage.ts
 *
 * Starts its own PostgreSQL (test/helpers/postgres.ts: Debian's server, fsync off, so the
 * numbers show the store and the round trips, not the disk). Prints one JSON line, then a table.
 * TANDEM_SEED replays the same typing.
 */
import * as Y from 'yjs';
import { openPostgresStore } from '../server/storage/postgres-store.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { createRng, pickSeed } from '../test/helpers/seed.js';
import { typeLikeAWriter } from '../test/helpers/text-docs.js';
import { median } from './stats.js';

const LOAD_RUNS = 15;
const BATCH_SIZES = [1, 10, 100, 1_000];
/** Appends written per batch size. */
const APPENDS_PER_SIZE = 10_000;
const NO_COMPACTION = { compactAfterUpdates: Infinity, compactAfterBytes: Infinity };
const seed = pickSeed();

/** Load of 100,000 single-character operations stored as 1,000 updates, each run on a freshly opened store. */
async function coldLoad(url: string) {
  const doc = new Y.Doc();
  const updates = typeLikeAWriter(doc, createRng(seed), { keystrokes: 100_000, perUpdate: 100 });
  const writer = await openPostgresStore(url, NO_COMPACTION);
  await Promise.all(updates.map((update) => writer.append('long', update)));
  await writer.close();

  const loadMs: number[] = [];
  for (let run = 0; run < LOAD_RUNS; run++) {
    const store = await openPostgresStore(url, NO_COMPACTION);
    const started = performance.now();
    const loaded = (await store.load('long'))!;
    loadMs.push(performance.now() - started);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, loaded);
    if (copy.getText('text').toString() !== doc.getText('text').toString()) throw new Error('loaded text differs');
    copy.destroy();
    await store.close();
  }
  doc.destroy();
  return { updates: updates.length, loadFirstMs: loadMs[0]!, loadMedianMs: median(loadMs), loadMaxMs: Math.max(...loadMs) };
}

/** Keystroke-sized appends, `size` per tick, over ten documents; appends per second and time per batch. */
async function throughput(url: string, size: number) {
  const doc = new Y.Doc();
  const updates = typeLikeAWriter(doc, createRng(seed), { keystrokes: APPENDS_PER_SIZE });
  doc.destroy();
  const store = await openPostgresStore(url, NO_COMPACTION);
  const batchMs: number[] = [];
  const started = performance.now();
  for (let from = 0; from < updates.length; from += size) {
    const batchStarted = performance.now();
    await Promise.all(updates.slice(from, from + size).map((update, i) => store.append(`doc-${(from + i) % 10}`, update)));
    batchMs.push(performance.now() - batchStarted);
  }
  const totalMs = performance.now() - started;
  await store.close();
  return { batchSize: size, appendsPerSecond: (updates.length / totalMs) * 1000, batchMedianMs: median(batchMs) };
}

const postgres = await startPostgres();
try {
  const load = await coldLoad(await postgres.createDatabase());
  const appends = [];
  for (const size of BATCH_SIZES) appends.push(await throughput(await postgres.createDatabase(), size));
  console.log(JSON.stringify({ bench: 'postgres-storage', seed, load, appends }));
  const rows: Array<[string, string]> = [
    ['load: 100k ops as 1,000 updates, first run', `${load.loadFirstMs.toFixed(1)} ms`],
    [`load: median of ${LOAD_RUNS} (max)`, `${load.loadMedianMs.toFixed(1)} ms (${load.loadMaxMs.toFixed(1)} ms)`],
    ...appends.map((run): [string, string] => [
      `append: ${run.batchSize} per tick`,
      `${Math.round(run.appendsPerSecond)} appends/s, ${run.batchMedianMs.toFixed(2)} ms per batch (median)`,
    ]),
  ];
  for (const [what, value] of rows) console.log(`${what.padEnd(44)} ${value}`);
} finally {
  await postgres.destroy();
}
