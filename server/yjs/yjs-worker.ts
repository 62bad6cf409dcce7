/**
 * The worker thread of off-thread.ts: reads the state vector of a stored document, or merges a
 * log for compaction, and answers with the bytes or with the reason it could not.
 */
import { parentPort } from 'node:worker_threads';
import { mergeLog } from './merge-log.js';
import { stateVectorOfStored } from './stored-document.js';

/** What the worker is asked to do. */
export type YjsWork = { op: 'stateVector'; stored: Uint8Array } | { op: 'mergeLog'; log: Uint8Array[] };

export type YjsWorkRequest = YjsWork & { id: number };

export type YjsWorkReply = { id: number; ok: true; bytes: Uint8Array | null } | { id: number; ok: false; message: string };

async function run(request: YjsWorkRequest): Promise<Uint8Array | null> {
  return request.op === 'stateVector' ? stateVectorOfStored(request.stored) : mergeLog(request.log);
}

parentPort?.on('message', (request: YjsWorkRequest) => {
  run(request).then(
    (bytes) => {
      const reply: YjsWorkReply = { id: request.id, ok: true, bytes };
      // Moved rather than copied when the bytes own their whole buffer (Yjs's encoders make such).
      const owned = bytes !== null && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
      parentPort?.postMessage(reply, owned ? [bytes.buffer as ArrayBuffer] : []);
    },
    (error: unknown) => {
      const reply: YjsWorkReply = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
      parentPort?.postMessage(reply);
    },
  );
});
