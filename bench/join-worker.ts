/**
 * A fresh reader in a worker thread, so that applying a large document (seconds of Yjs work)
 * never stalls the generator's event loop, whose timers and receipts time everyone's typing.
 * The parent side is {@link joinInWorker}; the worker holds its socket open until told to close,
 * so that the server keeps the document loaded meanwhile.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import * as Y from 'yjs';
import { joinDocument, type JoinedDocument } from './fetch-document.js';
import type { Protocol } from './framing.js';
import { xmlTextLength } from './large-document.js';

/** What the reader must end up holding. */
export interface JoinRequest {
  url: string;
  protocol: Protocol;
  /** The XmlFragment whose text is counted. */
  field: string;
  /** Characters of text the whole document has. */
  textLength: number;
  /** `Y.encodeStateVector` of the whole document. */
  stateVector: Uint8Array;
  timeoutMs: number;
}

/** The timings of a join (see JoinedDocument). */
export type JoinTimings = Pick<JoinedDocument, 'openMs' | 'step2Ms' | 'heldMs' | 'applyMs' | 'bytes'>;

/** A reader holding the document in its worker. */
export interface WorkerReader {
  timings: JoinTimings;
  /** Closes the socket and ends the worker. */
  close(): Promise<void>;
}

/** Joins in a new worker thread and resolves once the reader there holds the whole document. */
export function joinInWorker(request: JoinRequest): Promise<WorkerReader> {
  // The runner runs under tsx, whose loader a worker thread does not inherit: register it first.
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: request });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return new Promise<WorkerReader>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`join worker exited (${code}) before the document was held`)));
    worker.once('message', (timings: JoinTimings) =>
      resolve({
        timings,
        async close() {
          worker.postMessage('close');
          await exited;
        },
      }),
    );
  });
}

async function runInWorker(request: JoinRequest): Promise<void> {
  const expected = Buffer.from(request.stateVector);
  const holds = (doc: Y.Doc): boolean =>
    doc.store.pendingStructs === null &&
    Buffer.from(Y.encodeStateVector(doc)).equals(expected) &&
    xmlTextLength(doc.getXmlFragment(request.field)) === request.textLength;
  const joined = await joinDocument(request.url, { protocol: request.protocol, holds, timeoutMs: request.timeoutMs });
  const { openMs, step2Ms, heldMs, applyMs, bytes } = joined;
  parentPort!.once('message', () => {
    void joined.close().then(() => process.exit(0));
  });
  parentPort!.postMessage({ openMs, step2Ms, heldMs, applyMs, bytes } satisfies JoinTimings);
}

if (!isMainThread && parentPort !== null) await runInWorker(workerData as JoinRequest);
