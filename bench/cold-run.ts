/**
 * The cold workload: a document of 100,000 single-character operations (about 70% inserts)
 * stored as 1,000 log entries, then a freshly started server and a fresh reader: how long until
 * the reader has the whole text.
 */
import * as prng from 'lib0/prng';
import type * as Y from 'yjs';
import { openLevelDbStore } from '../server/storage/leveldb-store.js';
import { makeTempDir, removeTempDir } from '../test/helpers/temp-dir.js';
import { joinDocument, type JoinedDocument } from './fetch-document.js';
import { startServer, type ServerUnderTest } from './server-process.js';
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
  /** coldMs / warmMs (issue 20's target: <= 1.2). */
  coldWarmRatio: number;
  /** Cold again, after a restart: the log as the first server left it (compacted if it chose to). */
  recompactedColdMs: number;
  recompactedTextEqual: boolean;
  /** Server RSS after the load, MB. */
  rssMB: number;
  textEqual: boolean;
}

/** Stores the document, starts Tandem on it, times fresh readers, restarts Tandem and times one again. */
export async function runCold(seed: number, cpuProfileDir?: string): Promise<ColdMeasurement> {
  const typed = typeUpdates({ clientId: 1, updates: UPDATES, opsPerUpdate: OPS_PER_UPDATE, insertShare: 0.7 }, prng.create(seed));
  const dataDir = await makeTempDir('tandem-bench-cold-');
  try {
    // Thresholds out of reach: the log must hold all 1,000 entries when the server loads it.
    const store = await openLevelDbStore(dataDir, { compactAfterUpdates: Infinity, compactAfterBytes: Infinity });
    for (const update of typed.updates) await store.append(DOCUMENT, update);
    const info = await store.info(DOCUMENT);
    await store.close();
    const url = (server: ServerUnderTest): string => `${server.wsUrl}/${DOCUMENT}`;
    const holds = (doc: Y.Doc): boolean => doc.getText(BENCH_TEXT).length === typed.text.length;
    const join = async (server: ServerUnderTest): Promise<JoinedDocument> => {
      const joined = await joinDocument(url(server), { holds });
      await joined.close();
      return joined;
    };
    const profile = cpuProfileDir === undefined ? {} : { cpuProfileDir };
    const first = await startServer({ kind: 'tandem', dataDir, ...profile });
    let measured: Omit<ColdMeasurement, 'recompactedColdMs' | 'recompactedTextEqual'>;
    try {
      const cold = await join(first);
      const warm = await join(first);
      measured = {
        operations: UPDATES * OPS_PER_UPDATE,
        storedUpdates: info?.updates ?? 0,
        storedBytes: info?.bytes ?? 0,
        textLength: typed.text.length,
        coldMs: cold.heldMs,
        openMs: cold.openMs,
        coldStep2Ms: cold.step2Ms,
        applyMs: cold.applyMs,
        warmMs: warm.heldMs,
        warmStep2Ms: warm.step2Ms,
        coldWarmRatio: cold.heldMs / warm.heldMs,
        rssMB: first.rssBytes() / 2 ** 20,
        textEqual: textIn(cold.doc) === typed.text && textIn(warm.doc) === typed.text,
      };
    } finally {
      await first.stop();
    }
    // Whatever the server wrote back while it held the document (its own compaction) is on disk
    // now: a second cold start shows what that buys.
    const second = await startServer({ kind: 'tandem', dataDir, ...profile });
    try {
      const again = await join(second);
      return { ...measured, recompactedColdMs: again.heldMs, recompactedTextEqual: textIn(again.doc) === typed.text };
    } finally {
      await second.stop();
    }
  } finally {
    await removeTempDir(dataDir);
  }
}

function textIn(doc: Y.Doc): string {
  return doc.getText(BENCH_TEXT).toString();
}
