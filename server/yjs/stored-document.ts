/**
 * Answering from a document's stored bytes without building a Y.Doc: its state vector and what
 * it holds beyond another state vector. Building a Y.Doc of a large document is the slowest part
 * of a cold load, and a reader who only opens the document never needs one.
 */
import * as Y from 'yjs';
import { stateVectorOfUpdate } from './update-runs.js';

/** The v1 encoding of an update that carries nothing: no structs, no deletions. */
const EMPTY_UPDATE_LENGTH = 2;

/** True for an update that carries nothing (no structs, no deletions). */
export function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === EMPTY_UPDATE_LENGTH && update[0] === 0 && update[1] === 0;
}

/**
 * The state vector of a stored update. It walks every struct, so a stored update cut short
 * throws here.
 */
export function stateVectorOfStored(stored: Uint8Array): Uint8Array {
  return stateVectorOfUpdate(stored) ?? Y.encodeStateVectorFromUpdate(stored);
}

/**
 * What `stored` holds beyond `stateVector`; all of it, as is, for a client that has nothing.
 * Throws for a state vector Yjs cannot read.
 */
export function diffStored(stored: Uint8Array, stateVector: Uint8Array): Uint8Array {
  const empty = stateVector.length === 1 && stateVector[0] === 0;
  return empty ? stored : Y.diffUpdate(stored, stateVector);
}
