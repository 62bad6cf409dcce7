/**
 * Merging updates by laying their runs end to end (server/yjs/update-runs.ts) against
 * Yjs's own merge: the same document from every log several writers produce through one
 * room's doc, with rich content (formatting, embeds, maps, arrays, XML, non-ASCII text), and
 * Yjs itself for everything the fast path must not take.
 */
import { expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import * as prng from 'lib0/prng';
import * as Y from 'yjs';
import { mergeUpdatesInRounds } from '../../server/yjs/merge-log.js';
import { concatUpdates, concatUpdatesForLoad, stateVectorOfUpdate } from '../../server/yjs/update-runs.js';
import { withSeed, type Rng } from '../helpers/seed.js';

const PIECES = ['a', 'b', ' ', 'é', '日本', '😀', 'x😀y', '\u{1F469}\u{200D}\u{1F4BB}'];

/** One random edit of `doc`: text with formatting and embeds, map entries, array items, XML. */
function editAtRandom(doc: Y.Doc, rng: Rng): void {
  const text = doc.getText('text');
  const at = () => prng.uint32(rng, 0, text.length);
  switch (prng.uint32(rng, 0, 9)) {
    case 0:
    case 1:
    case 2:
      text.insert(at(), prng.oneOf(rng, PIECES), prng.bool(rng) ? { bold: true } : undefined);
      return;
    case 3:
      if (text.length > 0) text.delete(prng.uint32(rng, 0, text.length - 1), prng.uint32(rng, 1, 3));
      return;
    case 4:
      text.format(at(), prng.uint32(rng, 0, 4), { italic: prng.bool(rng) ? true : null });
      return;
    case 5:
      text.insertEmbed(at(), { image: `pic-${prng.uint32(rng, 0, 99)}.png` });
      return;
    case 6: {
      const meta = doc.getMap<unknown>('meta');
      const key = `key-${prng.uint32(rng, 0, 5)}`;
      const value = prng.oneOf(rng, [prng.uint32(rng, 0, 1000), 'café', null, { nested: [1, 'two'] }, new Uint8Array([1, 2, 3])]);
      if (prng.real53(rng) < 0.2) meta.delete(key);
      else meta.set(key, value);
      return;
    }
    case 7: {
      const list = doc.getArray<unknown>('list');
      if (list.length > 0 && prng.bool(rng)) list.delete(prng.uint32(rng, 0, list.length - 1), 1);
      else list.insert(prng.uint32(rng, 0, list.length), [prng.uint32(rng, 0, 9), 'item', true]);
      return;
    }
    case 8:
    case 9: {
      const fragment = doc.getXmlFragment('xml');
      const paragraph = new Y.XmlElement('paragraph');
      paragraph.setAttribute('align', prng.oneOf(rng, ['left', 'right']));
      paragraph.insert(0, [new Y.XmlText(prng.oneOf(rng, PIECES))]);
      fragment.insert(prng.uint32(rng, 0, fragment.length), [paragraph]);
      return;
    }
  }
}

/**
 * What a room's doc emits while `writers` edit and sync through it: the log storage keeps,
 * in order. Writers catch up with the room now and then, so they edit each other's content.
 */
function roomLog(rng: Rng, writers: number, edits: number): { log: Uint8Array[]; room: Y.Doc } {
  const room = new Y.Doc();
  const docs = Array.from({ length: writers }, () => new Y.Doc());
  const log: Uint8Array[] = [];
  room.on('update', (update: Uint8Array) => log.push(update));
  for (let i = 0; i < edits; i++) {
    const writer = prng.oneOf(rng, docs);
    if (prng.real53(rng) < 0.2) Y.applyUpdate(writer, Y.encodeStateAsUpdate(room, Y.encodeStateVector(writer)));
    const before = Y.encodeStateVector(writer);
    writer.transact(() => {
      for (let n = prng.uint32(rng, 1, 3); n > 0; n--) editAtRandom(writer, rng);
    });
    Y.applyUpdate(room, Y.encodeStateAsUpdate(writer, before));
  }
  for (const doc of docs) doc.destroy();
  return { log, room };
}

function docOf(update: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  return doc;
}

/** Everything a reader sees of `doc`: content, formatting, state and deletions. */
function contentOf(doc: Y.Doc): unknown {
  return {
    text: doc.getText('text').toDelta(),
    meta: doc.getMap('meta').toJSON(),
    list: doc.getArray('list').toJSON(),
    xml: doc.getXmlFragment('xml').toString(),
    stateVector: [...Y.decodeStateVector(Y.encodeStateVector(doc))].sort(),
  };
}

function expectSameDocument(update: Uint8Array, expected: Y.Doc): void {
  const doc = docOf(update);
  expect(contentOf(doc)).toEqual(contentOf(expected));
  expect(Y.equalSnapshots(Y.snapshot(doc), Y.snapshot(expected))).toBe(true);
  doc.destroy();
}

it('merges a room log by laying its runs end to end, to the document Yjs merges', async () => {
  await withSeed(async (rng) => {
    const { log, room } = roomLog(rng, 3, 300);
    const concatenated = concatUpdates(log);
    expect(concatenated).not.toBeNull();
    expectSameDocument(concatenated!, room);
    expect(Y.encodeStateVectorFromUpdate(concatenated!)).toEqual(Y.encodeStateVectorFromUpdate(Y.mergeUpdates(log)));

    // In any order, and in pieces merged again.
    const shuffled = [...log].sort(() => prng.real53(rng) - 0.5);
    expectSameDocument(concatUpdates(shuffled)!, room);
    const half = prng.uint32(rng, 1, log.length - 1);
    expectSameDocument(concatUpdates([concatUpdates(log.slice(0, half))!, concatUpdates(log.slice(half))!])!, room);
    room.destroy();
  });
});

it('counts strings as Yjs does, in UTF-16 units, so runs after emoji and accents still follow on', () => {
  const doc = new Y.Doc();
  const log: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => log.push(update));
  for (const piece of ['😀', 'é', '日本', '\u{1F469}\u{200D}\u{1F4BB}', 'plain']) doc.getText('text').insert(doc.getText('text').length, piece);
  doc.getText('text').delete(0, 2);
  const concatenated = concatUpdates(log);
  expect(concatenated).not.toBeNull();
  expectSameDocument(concatenated!, doc);
  doc.destroy();
});

it('leaves runs that leave a gap or overlap to Yjs, which merges them as before', async () => {
  await withSeed(async (rng) => {
    const writer = new Y.Doc();
    const log: Uint8Array[] = [];
    writer.on('update', (update: Uint8Array) => log.push(update));
    // Insertions only, so that every update holds structs and leaving one out leaves a gap.
    const text = writer.getText('text');
    for (let i = 0; i < 20; i++) text.insert(prng.uint32(rng, 0, text.length), prng.oneOf(rng, PIECES));
    const gap = [log[0]!, log[2]!];
    expect(concatUpdates(gap)).toBeNull();
    expect(concatUpdates([log[0]!, log[0]!, log[1]!])).toBeNull();

    const gapped = mergeUpdatesInRounds(gap);
    expect(Y.encodeStateVectorFromUpdate(gapped)).toEqual(Y.encodeStateVectorFromUpdate(Y.mergeUpdates(gap)));
    // Yjs fills the gap with a Skip, which the fast path does not read; merged with the missing
    // update, the document is whole again.
    expect(concatUpdates([gapped, log[1]!])).toBeNull();
    expectSameDocument(mergeUpdatesInRounds([gapped, log[1]!, ...log.slice(3)]), writer);
    writer.destroy();
  });
});

it('reads the state vector of an update as Yjs does', async () => {
  await withSeed(async (rng) => {
    const { log, room } = roomLog(rng, 3, 100);
    const candidates = [
      ...log,
      concatUpdates(log)!,
      Y.encodeStateAsUpdate(room),
      // Missing what came before: its clock does not start at 0.
      concatUpdates(log.slice(Math.floor(log.length / 2)))!,
      // Merged for a load, which remembers the state vector instead of reading it again.
      concatUpdatesForLoad(log)!,
      concatUpdatesForLoad(log.slice(Math.floor(log.length / 2)))!,
      Y.encodeStateAsUpdate(new Y.Doc()),
    ];
    for (const update of candidates) expect(stateVectorOfUpdate(update)).toEqual(Y.encodeStateVectorFromUpdate(update));
    expect(concatUpdatesForLoad(log)).toEqual(concatUpdates(log));
    room.destroy();
  });
});

it('sorts and merges deletions as Yjs does, at any clock', async () => {
  await withSeed(async (rng) => {
    // Updates of deletions only, written by hand: clocks past 2^32 take the comparator sort.
    const deletions = (ranges: Array<[number, number, number]>): Uint8Array => {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 0);
      const clients = [...new Set(ranges.map(([client]) => client))].sort((a, b) => b - a);
      encoding.writeVarUint(encoder, clients.length);
      for (const client of clients) {
        const own = ranges.filter(([c]) => c === client).sort((a, b) => a[1] - b[1]);
        encoding.writeVarUint(encoder, client);
        encoding.writeVarUint(encoder, own.length);
        for (const [, clock, length] of own) {
          encoding.writeVarUint(encoder, clock);
          encoding.writeVarUint(encoder, length);
        }
      }
      return encoding.toUint8Array(encoder);
    };
    for (const base of [0, 2 ** 32 - 50]) {
      const updates = Array.from({ length: 20 }, () =>
        deletions(Array.from({ length: prng.uint32(rng, 1, 4) }, () => [prng.uint32(rng, 1, 3), base + prng.uint32(rng, 0, 100), prng.uint32(rng, 1, 5)])),
      );
      const concatenated = concatUpdates(updates);
      expect(concatenated).not.toBeNull();
      expect(concatenated).toEqual(Y.mergeUpdates(updates));
    }
  });
});

it('answers null for an update cut short or with bytes left over, so Yjs reports it', async () => {
  await withSeed(async (rng) => {
    const { log, room } = roomLog(rng, 2, 30);
    const whole = Y.encodeStateAsUpdate(room);
    expect(stateVectorOfUpdate(whole.subarray(0, whole.length - 3))).toBeNull();
    expect(concatUpdates([log[0]!, whole.subarray(0, Math.floor(whole.length / 2))])).toBeNull();
    expect(stateVectorOfUpdate(new Uint8Array([...whole, 7]))).toBeNull();
    room.destroy();
  });
});
