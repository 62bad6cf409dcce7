/**
 * The large workload: a report of about 10 MB of Yjs state (bench/large-document.ts) stored
 * compacted, a server started on it, then a fresh reader joins it cold and a second one warm
 * while 5 rooms of 2 writers type beside it, so that a server whose event loop stalls while it
 * loads or serves the large document shows it in their latency.
 */
import { openLevelDbStore } from '../server/storage/leveldb-store.js';
import { makeTempDir, removeTempDir } from '../test/helpers/temp-dir.js';
import { updateFrame } from './frames.js';
import { framingFor } from './framing.js';
import { untilQuiet } from './idle-run.js';
import { Ledger } from './ledger.js';
import { LoadClient } from './load-client.js';
import { joinInWorker, type JoinRequest, type JoinTimings, type WorkerReader } from './join-worker.js';
import { LARGE_FIELD, type LargeDocument } from './large-document.js';
import { runLive, type LiveMeasurement, type LiveSpec } from './live-run.js';
import { startServer, type ServerUnderTest, type StartOptions, type TargetKind } from './server-process.js';

const DOCUMENT = 'large-report';
/** A join of the large document that takes longer than this has stalled. */
const JOIN_TIMEOUT_MS = 120_000;

/** What the large workload measured on one server. */
export interface LargeMeasurement {
  stateBytes: number;
  textLength: number;
  edits: number;
  /** How the document got into the server's store. */
  seeded: 'store' | 'client';
  /** The first reader, with the server just started on the stored document. */
  cold: JoinTimings;
  /** A second reader while the first one keeps the document loaded. */
  warm: JoinTimings;
  /**
   * Server RSS before the first join, and with the document loaded, right after the second
   * reader held it (both readers connected), MB.
   */
  startRssMB: number;
  loadedRssMB: number;
  /** The 5x2 typing in other rooms, over a window that holds both joins. */
  typing: LiveMeasurement;
}

/**
 * Stores `doc` for `kind` (Tandem: straight into its LevelDB store; the others: written through a
 * client and the server restarted), starts the server on it and measures.
 */
export async function runLarge(
  kind: TargetKind,
  doc: LargeDocument,
  typing: LiveSpec,
  server: Omit<StartOptions, 'kind' | 'dataDir'>,
): Promise<LargeMeasurement> {
  const dataDir = await makeTempDir(`${kind}-bench-large-`);
  try {
    const seeded = kind === 'tandem' ? await seedTandem(dataDir, doc.state) : await seedThroughClient(kind, dataDir, doc);
    const target = await startServer({ ...server, kind, dataDir });
    const readers: WorkerReader[] = [];
    try {
      const startRssMB = target.rssBytes() / 2 ** 20;
      const request = joinRequest(target, doc);
      let loadedRssMB = Number.NaN;
      const joins = async (): Promise<void> => {
        readers.push(await joinInWorker(request));
        readers.push(await joinInWorker(request));
        // Right away: the typing beside it keeps the server from ever going quiet.
        loadedRssMB = target.rssBytes() / 2 ** 20;
      };
      const m = await runLive(target, typing, joins);
      const [cold, warm] = readers.map((reader) => reader.timings);
      return {
        stateBytes: doc.state.length,
        textLength: doc.textLength,
        edits: doc.edits,
        seeded,
        cold: cold!,
        warm: warm!,
        startRssMB,
        loadedRssMB,
        typing: m,
      };
    } finally {
      await Promise.all(readers.map((reader) => reader.close()));
      await target.stop();
    }
  } finally {
    await removeTempDir(dataDir);
  }
}

function joinRequest(server: ServerUnderTest, doc: LargeDocument): JoinRequest {
  return {
    url: `${server.wsUrl}/${DOCUMENT}`,
    protocol: server.protocol,
    field: { kind: 'xml', name: LARGE_FIELD },
    textLength: doc.textLength,
    stateVector: doc.stateVector,
    timeoutMs: JOIN_TIMEOUT_MS,
  };
}

/** Tandem's store holds the compacted state as its one entry, as a compaction leaves it. */
async function seedTandem(dataDir: string, state: Uint8Array): Promise<'store'> {
  const store = await openLevelDbStore(dataDir);
  await store.append(DOCUMENT, state);
  await store.close();
  return 'store';
}

/**
 * Writes the whole state as one update through a client, waits until a reader holds it and the
 * server has gone quiet (its persistence has run), and stops the server: its own store then
 * holds the document as its own code wrote it.
 */
async function seedThroughClient(kind: TargetKind, dataDir: string, doc: LargeDocument): Promise<'client'> {
  const server = await startServer({ kind, dataDir });
  try {
    const url = `${server.wsUrl}/${DOCUMENT}`;
    const framing = framingFor(server.protocol, url);
    // A writer that has done the handshake first: Hocuspocus holds a document's messages until
    // its auth is through, and closes a socket whose held messages pass 5 MB.
    const writer = new LoadClient({
      url,
      framing,
      clientId: 0,
      frames: [framing.wrap(updateFrame(doc.state))],
      updates: [doc.state],
      awarenessStates: [],
      ledger: new Ledger(),
    });
    await writer.join(true);
    writer.sendEdit();
    const reader = await joinInWorker(joinRequest(server, doc));
    await reader.close();
    await writer.close();
    await untilQuiet(server, 30_000);
  } finally {
    await server.stop();
  }
  return 'client';
}
