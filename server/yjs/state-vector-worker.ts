/**
 * The worker thread of state-vector-thread.ts: reads the state vector of each stored document
 * it is sent and answers with it, or with the reason it could not.
 */
import { parentPort } from 'node:worker_threads';
import { stateVectorOfStored } from './stored-document.js';

export interface StateVectorRequest {
  id: number;
  stored: Uint8Array;
}

export type StateVectorReply = { id: number; ok: true; stateVector: Uint8Array } | { id: number; ok: false; message: string };

parentPort?.on('message', ({ id, stored }: StateVectorRequest) => {
  let reply: StateVectorReply;
  try {
    reply = { id, ok: true, stateVector: stateVectorOfStored(stored) };
  } catch (error) {
    reply = { id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply);
});
