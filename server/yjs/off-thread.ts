/**
 * Yjs work that would stall every room, done in one worker thread instead of on the event loop.
 *
 * - **A large stored document's state vector.** A room answers every join with it, and reading it
 *   walks every struct: 10-20 ms per MB on this project's 2-core benchmark machine, 130-190 ms for
 *   the 10 MB report of the `large` benchmark, during which no other room is served.
 * - **Compaction's merge of a long log.** It integrates the log into a Y.Doc, a slice per turn,
 *   and each slice of a log of keystrokes took long enough to show in everyone's p99 latency.
 *
 * Small inputs stay on the event loop, where the copy and the round trip would cost more than
 * the work. The worker starts on first use and never keeps the process alive while idle; the
 * process's CPU time still counts it.
 */
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../workers/entry.js';
import { mergeLog } from './merge-log.js';
import { stateVectorOfStored } from './stored-document.js';
import { rememberedStateVector } from './update-runs.js';
import type { YjsWork, YjsWorkReply, YjsWorkRequest } from './yjs-worker.js';

/** Stored documents at least this large have their state vector read in the worker. */
export const STATE_VECTOR_OFF_THREAD_BYTES = 512 * 1024;
/** Logs of at least this many updates are merged for compaction in the worker. */
export const MERGE_OFF_THREAD_UPDATES = 64;

interface Waiting {
  resolve(bytes: Uint8Array | null): void;
  reject(error: Error): void;
}

let worker: Worker | null = null;
const waiting = new Map<number, Waiting>();
let nextId = 1;

function failAll(error: Error): void {
  for (const job of waiting.values()) job.reject(error);
  waiting.clear();
  worker = null;
}

function startWorker(): Worker {
  const started = new Worker(workerEntry('yjs-worker', import.meta.url), { stdout: false, stderr: false });
  started.unref();
  started.on('message', (reply: YjsWorkReply) => {
    const job = waiting.get(reply.id);
    if (job === undefined) return;
    waiting.delete(reply.id);
    if (waiting.size === 0) started.unref();
    if (reply.ok) job.resolve(reply.bytes);
    else job.reject(new Error(reply.message));
  });
  started.on('error', (error) => {
    if (worker === started) failAll(error);
  });
  started.on('exit', (code) => {
    if (worker === started) failAll(new Error(`the Yjs worker exited with ${code}`));
  });
  return started;
}

/**
 * A copy of `bytes` in an ArrayBuffer of its own, which can be moved to the worker. Not
 * `bytes.slice()`: on a Node Buffer (what the stores read) that is a view of the same memory, and
 * moving it would detach the store's buffer, or a whole slab of Node's buffer pool.
 */
function ownCopy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

/** Sends `work` to the worker with `transfer` moved, not copied; resolves with its answer. */
function inWorker(work: YjsWork, transfer: ArrayBuffer[]): Promise<Uint8Array | null> {
  worker ??= startWorker();
  const id = nextId++;
  const current = worker;
  return new Promise<Uint8Array | null>((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    // Held while it works, so that a process with nothing else to do still gets the answer.
    current.ref();
    const request: YjsWorkRequest = { ...work, id };
    current.postMessage(request, transfer);
  });
}

/**
 * The state vector of `stored`, as {@link stateVectorOfStored} reads it; rejects for a stored
 * update cut short, as that throws.
 */
export async function stateVectorOfStoredOffThread(stored: Uint8Array): Promise<Uint8Array> {
  if (stored.byteLength < STATE_VECTOR_OFF_THREAD_BYTES || rememberedStateVector(stored) !== null) return stateVectorOfStored(stored);
  const copy = ownCopy(stored);
  const stateVector = await inWorker({ op: 'stateVector', stored: copy }, [copy.buffer]);
  if (stateVector === null) throw new Error('the Yjs worker read no state vector');
  return stateVector;
}

/** {@link mergeLog} of `log`, for compaction; `log` itself is left as it is. */
export function mergeLogOffThread(log: readonly Uint8Array[]): Promise<Uint8Array | null> {
  if (log.length < MERGE_OFF_THREAD_UPDATES) return mergeLog(log);
  const copies = log.map(ownCopy);
  return inWorker(
    { op: 'mergeLog', log: copies },
    copies.map((copy) => copy.buffer),
  );
}
