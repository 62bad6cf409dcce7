/**
 * Compaction (`mergeLog`) against the room that wrote the log: a log stored by a room holds every
 * client's updates and the room's own formatting cleanups, and compacting it must give the
 * document the room and its clients hold, with no deletion that none of them made.
 */
import * as prng from 'lib0/prng';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { mergeLog, mergeUpdatesInRounds } from '../../server/yjs/merge-log.js';
import { contentOf, randomEdit, stateOf, yjsEditor } from '../helpers/mixed-edits.js';
import { createRng, pickSeed, type Rng } from '../helpers/seed.js';

const RELAYED = 'relayed';

/** A document a filler writer fills with `bytes` of text in one update, unrelated to the rest. */
function filler(bytes: number): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = 1;
  doc.getMap('filler').set('text', 'f'.repeat(bytes));
  return Y.encodeStateAsUpdate(doc);
}

/**
 * Two or three Yjs writers editing concurrently (formatting included) through a room doc that
 * applies each update in its own transaction, as a Tandem room does, and logs what each apply
 * integrated together with its own cleanup. Returns the log and the room.
 */
function roomLog(rng: Rng): { log: Uint8Array[]; room: Y.Doc; writers: Y.Doc[] } {
  const writers = Array.from({ length: prng.uint32(rng, 2, 3) }, () => {
    const doc = new Y.Doc();
    doc.clientID = prng.uint32(rng, 2, 0x7fffffff);
    return doc;
  });
  const room = new Y.Doc();
  room.clientID = prng.uint32(rng, 2, 0x7fffffff);
  const log: Uint8Array[] = [];
  const inboxes = writers.map(() => [] as Uint8Array[]);
  const sent: Uint8Array[] = [];
  let integrated: Uint8Array[] = [];
  room.on('update', (update: Uint8Array) => integrated.push(update));
  for (const writer of writers) writer.on('update', (update: Uint8Array, origin: unknown) => origin !== RELAYED && sent.push(update));
  const roomApply = (update: Uint8Array): void => {
    integrated = [];
    Y.applyUpdate(room, update);
    if (integrated.length === 0) return;
    const entry = mergeUpdatesInRounds(integrated);
    log.push(entry);
    for (const inbox of inboxes) inbox.push(entry);
  };
  const deliver = (i: number, all: boolean): void => {
    const inbox = inboxes[i] as Uint8Array[];
    while (inbox.length > 0 && (all || prng.bool(rng))) Y.applyUpdate(writers[i] as Y.Doc, inbox.shift() as Uint8Array, RELAYED);
  };
  for (let step = prng.uint32(rng, 20, 80); step > 0; step--) {
    const who = prng.uint32(rng, 0, writers.length - 1);
    deliver(who, false);
    randomEdit(rng, yjsEditor(writers[who] as Y.Doc));
    while (sent.length > 0 && prng.bool(rng)) roomApply(sent.shift() as Uint8Array);
  }
  while (sent.length > 0 || inboxes.some((inbox) => inbox.length > 0)) {
    while (sent.length > 0) roomApply(sent.shift() as Uint8Array);
    for (let i = 0; i < writers.length; i++) deliver(i, true);
  }
  return { log, room, writers };
}

describe('compaction of a room-written log', () => {
  it('gives the state and content the room and its clients hold, however the log falls into slices (seeded)', async () => {
    const seed = pickSeed();
    const rng = createRng(seed);
    // An unrelated update of 32 KiB after every 20 entries ends a compaction slice there.
    const boundary = filler(32 * 1024);
    for (let i = 0; i < 150; i++) {
      const { log, room, writers } = roomLog(rng);
      const state = stateOf(Y.encodeStateAsUpdate(room));
      for (const writer of writers) expect(stateOf(Y.encodeStateAsUpdate(writer)), `case ${i}, TANDEM_SEED=${seed}: a writer`).toBe(state);
      const sliced = log.flatMap((entry, at) => (at % 20 === 19 ? [entry, boundary] : [entry]));
      const bounded = sliced.length > log.length;
      if (bounded) Y.applyUpdate(room, boundary);
      const compacted = (await mergeLog(sliced)) as Uint8Array;
      expect(stateOf(compacted), `case ${i}, TANDEM_SEED=${seed}: compacted state`).toBe(stateOf(Y.encodeStateAsUpdate(room)));
      // A client that holds the room's state and syncs with the compacted document sees no change.
      const client = writers[0] as Y.Doc;
      if (bounded) Y.applyUpdate(client, boundary);
      const before = contentOf(client);
      Y.applyUpdate(client, Y.diffUpdate(compacted, Y.encodeStateVector(client)));
      expect(contentOf(client), `case ${i}, TANDEM_SEED=${seed}: a client's content after syncing`).toBe(before);
    }
  });
});
