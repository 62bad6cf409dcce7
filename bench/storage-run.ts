/**
 * The storage workload: writers type through Tandem, the server stops, and the data dir is
 * measured as the server left it and again after compacting the document.
 */
import * as Y from 'yjs';
import { openLevelDbStore } from '../server/storage/leveldb-store.js';
import { makeTempDir, removeTempDir } from '../test/helpers/temp-dir.js';
import { folderBytes } from './disk-usage.js';
import { fetchDocument } from './fetch-document.js';
import { runLive, type LiveSpec } from './live-run.js';
import { startServer } from './server-process.js';
import { textOf } from './typing.js';

/** The one document the writers type into (live workloads name documents `bench-<index>`). */
const DOCUMENT = 'bench-0';

/** What the storage workload measured. */
export interface StorageMeasurement {
  keystrokes: number;
  /** Size of `Y.encodeStateAsUpdate` of the final document. */
  stateBytes: number;
  /** LevelDB folder size as the server left it, and after compaction. */
  diskBytesBefore: number;
  diskBytesAfter: number;
  /** Update bytes the store holds for the document (its `info().bytes`), before and after. */
  storedBytesBefore: number;
  storedBytesAfter: number;
  storedUpdatesBefore: number;
  storedUpdatesAfter: number;
  diskBytesPerKeystrokeBefore: number;
  diskBytesPerKeystrokeAfter: number;
  /** storedBytesAfter / stateBytes (target <= 1.5). */
  compactedRatio: number;
  /** The compacted document still holds exactly the text typed. */
  textEqual: boolean;
}

/** Types `spec` into one document through Tandem, then measures and compacts its storage. */
export async function runStorage(spec: Omit<LiveSpec, 'docs'>): Promise<StorageMeasurement> {
  const dataDir = await makeTempDir('tandem-bench-storage-');
  try {
    const server = await startServer({ kind: 'tandem', dataDir });
    let keystrokes: number;
    let state: Uint8Array;
    try {
      ({ keystrokes } = await runLive(server, { ...spec, docs: 1 }));
      state = await fetchDocument(`${server.wsUrl}/${DOCUMENT}`);
    } finally {
      await server.stop();
    }
    const doc = new Y.Doc();
    Y.applyUpdate(doc, state);
    const stateBytes = Y.encodeStateAsUpdate(doc).length;
    doc.destroy();
    const diskBytesBefore = await folderBytes(dataDir);
    const store = await openLevelDbStore(dataDir);
    const before = await store.info(DOCUMENT);
    await store.compact(DOCUMENT);
    const after = await store.info(DOCUMENT);
    const compacted = await store.load(DOCUMENT);
    await store.close();
    const diskBytesAfter = await folderBytes(dataDir);
    const storedBytesAfter = after?.bytes ?? 0;
    return {
      keystrokes,
      stateBytes,
      diskBytesBefore,
      diskBytesAfter,
      storedBytesBefore: before?.bytes ?? 0,
      storedBytesAfter,
      storedUpdatesBefore: before?.updates ?? 0,
      storedUpdatesAfter: after?.updates ?? 0,
      diskBytesPerKeystrokeBefore: diskBytesBefore / keystrokes,
      diskBytesPerKeystrokeAfter: diskBytesAfter / keystrokes,
      compactedRatio: storedBytesAfter / stateBytes,
      textEqual: compacted !== null && textOf([compacted]) === textOf([state]),
    };
  } finally {
    await removeTempDir(dataDir);
  }
}
