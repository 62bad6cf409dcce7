/**
 * The cold workload: a document of 100,000 single-character operations (about 70% inserts)
 * stored as 1,000 log entries, then a freshly started server and a fresh reader: how long until
 * the reader has the whole text. Every reader runs in a worker thread of its own, as a new
 * browser tab would, so that the cold and the warm reader do the same work.
 */
import { cp, rm } from 'node:fs/promises';
import * as prng from 'lib0/prng';
import * as Y from 'yjs';
import { openLevelDbStore } from '../server/storage/leveldb-store.js';
import { makeTempDir, removeTempDir } from '../test/helpers/temp-dir.js';
import { joinInWorker, type JoinRequest, type JoinTimings, type WorkerReader } from './join-worker.js';
import { startServer, type ServerUnderTest } from './server-process.js';
import { median } from './stats.js';
import { BENCH_TEXT, typeUpdates } from './typing.js';

const DOCUMENT = 'cold';
const UPDATES = 1000;
const OPS_PER_UPDATE = 100;

/** What the cold workload measured. */
export interface ColdMeasurement {
  operations: number;
  storedUpdates: number;
  storedBytes: number;
  textLength: number;
  /** Cold and warm joins measured; every time figure below is a median over them. */
  joins: number;
  /** From starting to connect until the reader held the whole text (applied, length equal), ms. */
  coldMs: number;
  /** Of which: until the socket was open (the upgrade), ms. */
  openMs: number;
  /** Of which: until the server's sync step 2 had arrived, ms (the server's part). */
  coldStep2Ms: number;
  /** Of which: the reader's own time to apply what it got, ms (client cost, not server). */
  applyMs: number;
  /** The same join again with the document loaded: what the cold part costs. */
  warmMs: number;
  warmStep2Ms: number;
  warmApplyMs: number;
  /** coldMs / warmMs (issue 20's target: <= 1.2). */
  coldWarmRatio: number;
  /** Cold again, after a restart: the log as the first server left it (compacted if it chose to). */
  recompactedColdMs: number;
  recompactedTextEqual: boolean;
  /** Server RSS after the load, MB. */
  rssMB: number;
  textEqual: boolean;
}

/**
 * Cold and warm joins per run: each cold one on a server just started on a fresh copy of the
 * stored log. A reader's own apply of the same bytes varied from 270 to 420 ms between workers
 * on the development machine, several times the server's part, so one join of each said little.
 */
const JOINS = 5;

/**
 * Stores the document, then {@link JOINS} times: starts Tandem on a copy of it and times a fresh
 * reader (cold), then a second one while the first stays (warm); medians of each. Last, restarts
 * Tandem on the folder the last server left and times one more.
 */
export async function runCold(seed: number, cpuProfileDir?: string): Promise<ColdMeasurement> {
  const typed = typeUpdates({ clientId: 1, updates: UPDATES, opsPerUpdate: OPS_PER_UPDATE, insertShare: 0.7 }, prng.create(seed));
  const pristineDir = await makeTempDir('tandem-bench-cold-');
  const dataDir = await makeTempDir('tandem-bench-cold-');
  try {
    // Thresholds out of reach: the log must hold all 1,000 entries when the server loads it.
    const store = await openLevelDbStore(pristineDir, { compactAfterUpdates: Infinity, compactAfterBytes: Infinity });
    for (const update of typed.updates) await store.append(DOCUMENT, update);
    const info = await store.info(DOCUMENT);
    await store.close();
    const stateVector = Y.encodeStateVectorFromUpdate(Y.mergeUpdates(typed.updates));
    const request = (server: ServerUnderTest): JoinRequest => ({
      url: `${server.wsUrl}/${DOCUMENT}`,
      protocol: server.protocol,
      field: { kind: 'text', name: BENCH_TEXT },
      textLength: typed.text.length,
      stateVector,
      timeoutMs: 60_000,
    });
    const profile = cpuProfileDir === undefined ? {} : { cpuProfileDir };
    const colds: JoinTimings[] = [];
    const warms: JoinTimings[] = [];
    let rssMB = 0;
    for (let join = 0; join < JOINS; join++) {
      await rm(dataDir, { recursive: true, force: true });
      await cp(pristineDir, dataDir, { recursive: true });
      const server = await startServer({ kind: 'tandem', dataDir, ...profile });
      const readers: WorkerReader[] = [];
      try {
        // The first reader stays while the second joins, so that the document stays loaded.
        readers.push(await joinInWorker(request(server)));
        readers.push(await joinInWorker(request(server)));
        colds.push((readers[0] as WorkerReader).timings);
        warms.push((readers[1] as WorkerReader).timings);
        rssMB = server.rssBytes() / 2 ** 20;
        // The last server may compact the long log it loaded (it waits until the load was served).
        if (join === JOINS - 1) await untilCompacted(server);
      } finally {
        await Promise.all(readers.map((reader) => reader.close()));
        await server.stop();
      }
    }
    const cold = (pick: (timings: JoinTimings) => number): number => median(colds.map(pick));
    const warm = (pick: (timings: JoinTimings) => number): number => median(warms.map(pick));
    const measured = {
      operations: UPDATES * OPS_PER_UPDATE,
      storedUpdates: info?.updates ?? 0,
      storedBytes: info?.bytes ?? 0,
      textLength: typed.text.length,
      joins: JOINS,
      coldMs: cold((t) => t.heldMs),
      openMs: cold((t) => t.openMs),
      coldStep2Ms: cold((t) => t.step2Ms),
      applyMs: cold((t) => t.applyMs),
      warmMs: warm((t) => t.heldMs),
      warmStep2Ms: warm((t) => t.step2Ms),
      warmApplyMs: warm((t) => t.applyMs),
      coldWarmRatio: cold((t) => t.heldMs) / warm((t) => t.heldMs),
      rssMB,
      textEqual: [...colds, ...warms].every((timings) => timings.text === typed.text),
    };
    // Whatever the last server wrote back while it held the document (its own compaction) is on
    // disk now: a second cold start shows what that buys.
    const second = await startServer({ kind: 'tandem', dataDir, ...profile });
    try {
      const again = await joinInWorker(request(second));
      await again.close();
      return { ...measured, recompactedColdMs: again.timings.heldMs, recompactedTextEqual: again.timings.text === typed.text };
    } finally {
      await second.stop();
    }
  } finally {
    await removeTempDir(dataDir);
    await removeTempDir(pristineDir);
  }
}

/** Resolves once the server's HTTP API shows the document as one log entry; throws after 10 s. */
async function untilCompacted(server: ServerUnderTest): Promise<void> {
  const url = `${server.wsUrl.replace(/^ws/, 'http')}/api/documents/${DOCUMENT}?info=1`;
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    const response = await fetch(url);
    if (response.ok && ((await response.json()) as { updates: number }).updates === 1) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${server.kind} did not compact the loaded log of ${DOCUMENT} within 10 s`);
}
