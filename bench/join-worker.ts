/**
 * A fresh reader in a worker thread, so that applying a large document (seconds of Yjs work)
 * never stalls the generator's event loop, whose timers and receipts time everyone's typing,
 * and so that every reader starts as a new browser tab does, with nothing of Yjs compiled yet:
 * readers in the runner's own thread got faster with each join, which made a second join look
 * cheaper than a first for the reader's sake, not the server's.
 * The parent side is {@link joinInWorker}; the worker holds its socket open until told to close,
 * so that the server keeps the document loaded meanwhile.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import * as Y from 'yjs';
import { joinDocument, type JoinedDocument } from './fetch-document.js';
import type { Protocol } from './framing.js';
import { xmlTextLength } from './large-document.js';

/** Where the document's text is: an XmlFragment (as the editor stores it) or a Y.Text. */
export interface TextField {
  kind: 'xml' | 'text';
  name: string;
}

/** What the reader must end up holding. */
export interface JoinRequest {
  url: string;
  protocol: Protocol;
  /** The field whose text is counted. */
  field: TextField;
  /** Characters of text the whole document has. */
  textLength: number;
  /** `Y.encodeStateVector` of the whole document. */
  stateVector: Uint8Array;
  timeoutMs: number;
}

/** The timings of a join (see JoinedDocument), and the text a Y.Text field held. */
export type JoinTimings = Pick<JoinedDocument, 'openMs' | 'step2Ms' | 'heldMs' | 'applyMs' | 'bytes'> & { text: string | null };

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
  const { kind, name } = request.field;
  const textLength = (doc: Y.Doc): number => (kind === 'xml' ? xmlTextLength(doc.getXmlFragment(name)) : doc.getText(name).length);
  const holds = (doc: Y.Doc): boolean =>
    doc.store.pendingStructs === null && Buffer.from(Y.encodeStateVector(doc)).equals(expected) && textLength(doc) === request.textLength;
  const joined = await joinDocument(request.url, { protocol: request.protocol, holds, timeoutMs: request.timeoutMs });
  const { openMs, step2Ms, heldMs, applyMs, bytes } = joined;
  const text = kind === 'text' ? joined.doc.getText(name).toString() : null;
  parentPort!.once('message', () => {
    void joined.close().then(() => process.exit(0));
  });
  parentPort!.postMessage({ openMs, step2Ms, heldMs, applyMs, bytes, text } satisfies JoinTimings);
}

if (!isMainThread && parentPort !== null) await runInWorker(workerData as JoinRequest);
