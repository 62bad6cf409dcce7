/**
 * The state vector of a stored document, read off the event loop when the document is large.
 *
 * A room answers every join with the stored document's state vector, and reading it walks every
 * struct: 10-20 ms per MB on this project's 2-core benchmark machine, 130-190 ms for the 10 MB report of the `large` benchmark, during which no other room
 * is served. Above {@link OFF_THREAD_MIN_BYTES} the walk runs in one worker thread instead (a
 * copy of the bytes is moved there); below it the copy and the round trip would cost more than
 * the walk. The worker starts on first use and never keeps the process alive while idle.
 */
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../workers/entry.js';
import { stateVectorOfStored } from './stored-document.js';
import type { StateVectorReply, StateVectorRequest } from './state-vector-worker.js';

/** Stored documents at least this large have their state vector read in the worker. */
export const OFF_THREAD_MIN_BYTES = 512 * 1024;

interface Waiting {
  resolve(stateVector: Uint8Array): void;
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
  const started = new Worker(workerEntry('state-vector-worker', import.meta.url), { stdout: false, stderr: false });
  started.unref();
  started.on('message', (reply: StateVectorReply) => {
    const job = waiting.get(reply.id);
    if (job === undefined) return;
    waiting.delete(reply.id);
    if (waiting.size === 0) started.unref();
    if (reply.ok) job.resolve(reply.stateVector);
    else job.reject(new Error(reply.message));
  });
  started.on('error', (error) => {
    if (worker === started) failAll(error);
  });
  started.on('exit', (code) => {
    if (worker === started) failAll(new Error(`the state vector worker exited with ${code}`));
  });
  return started;
}

/**
 * The state vector of `stored`, as {@link stateVectorOfStored} reads it; rejects for a stored
 * update cut short, as that throws.
 */
export function stateVectorOfStoredOffThread(stored: Uint8Array): Promise<Uint8Array> {
  if (stored.byteLength < OFF_THREAD_MIN_BYTES) {
    try {
      return Promise.resolve(stateVectorOfStored(stored));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
  worker ??= startWorker();
  const id = nextId++;
  const copy = stored.slice();
  const request: StateVectorRequest = { id, stored: copy };
  return new Promise<Uint8Array>((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    // Held while it works, so that a process with nothing else to do still gets the answer.
    worker?.ref();
    worker?.postMessage(request, [copy.buffer]);
  });
}
