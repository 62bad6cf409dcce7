/**
 * The DocumentStore contract: every store implementation must pass this one suite.
 */
import { setImmediate } from 'node:timers';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as prng from 'lib0/prng';
import * as Y from 'yjs';
import { COMPACT_AFTER_LOAD_MS } from '../../server/storage/compaction-runs.js';
import { openLevelDbStore } from '../../server/storage/leveldb-store.js';
import type { BatchStats, LogStoreOptions } from '../../server/storage/log-store.js';
import { createMemoryStore } from '../../server/storage/memory-store.js';
import { openPostgresStore } from '../../server/storage/postgres-store.js';
import { StoreClosedError, type DocumentStore } from '../../server/storage/store.js';
import { postgresOnDemand } from '../helpers/postgres.js';
import { withSeed } from '../helpers/seed.js';
import { closeStores } from '../helpers/stores.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { textOf, textUpdate, typeLikeAWriter } from '../helpers/text-docs.js';
import { waitFor } from '../helpers/wait-for.js';

interface StoreKind {
  kind: string;
  /** Opens a store on `dir`; a durable store finds there what an earlier one wrote. */
  open(dir: string, options?: LogStoreOptions): Promise<DocumentStore>;
  durable: boolean;
}

// One database per test directory: a store reopened on the same directory finds what was written.
const postgres = postgresOnDemand();
afterAll(() => postgres.destroy());

const kinds: StoreKind[] = [
  { kind: 'memory', open: async (_dir, options) => createMemoryStore(options), durable: false },
  { kind: 'LevelDB', open: (dir, options) => openLevelDbStore(dir, options), durable: true },
  { kind: 'PostgreSQL', open: async (dir, options) => openPostgresStore(await postgres.databaseFor(dir), options), durable: true },
];

describe.each(kinds)('the $kind store', ({ open, durable }) => {
  let dir: string;
  let opened: DocumentStore[];
  const docs: Y.Doc[] = [];

  beforeEach(async () => {
    dir = await makeTempDir('tandem-storage-');
    opened = [];
  });

  afterEach(async () => {
    await closeStores(opened);
    for (const doc of docs.splice(0)) doc.destroy();
    await removeTempDir(dir);
  });

  async function openStore(options?: LogStoreOptions): Promise<DocumentStore> {
    const store = await open(dir, options);
    opened.push(store);
    return store;
  }

  function newDoc(): Y.Doc {
    const doc = new Y.Doc();
    docs.push(doc);
    return doc;
  }

  it('loads null, and has no info, for a document that was never stored', async () => {
    const store = await openStore();
    expect(await store.load('never')).toBeNull();
    expect(await store.info('never')).toBeNull();
    expect(await store.list()).toEqual([]);
  });

  it('loads a document equal to the one whose updates were appended', async () => {
    await withSeed(async (rng) => {
      const store = await openStore();
      const doc = newDoc();
      const updates = typeLikeAWriter(doc, rng, { keystrokes: 300 });
      await Promise.all(updates.map((update) => store.append('draft', update)));
      const loaded = await store.load('draft');
      expect(textOf(loaded)).toBe(doc.getText('text').toString());
      expect(Y.encodeStateVectorFromUpdate(loaded!)).toEqual(Y.encodeStateVector(doc));
    });
  });

  it('writes the appends of one tick, across documents, as one batch and resolves them all', async () => {
    const batches: BatchStats[] = [];
    const store = await openStore({ onBatch: (batch) => batches.push(batch) });
    const pending: Promise<void>[] = [];
    let bytes = 0;
    for (let i = 0; i < 150; i++) {
      const update = textUpdate(`line ${i}`);
      bytes += update.byteLength;
      pending.push(store.append(`doc-${i % 3}`, update));
    }
    await Promise.all(pending);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ appends: 150, bytes });
    expect((await store.list()).map((info) => info.updates)).toEqual([50, 50, 50]);
  });

  it('resolves an append only after its batch was written', async () => {
    const events: string[] = [];
    const store = await openStore({ onBatch: () => events.push('batch written') });
    await store.append('doc', textUpdate('hello')).then(() => events.push('append resolved'));
    expect(events).toEqual(['batch written', 'append resolved']);
  });

  it('keeps the content identical when it compacts while appends continue', async () => {
    await withSeed(async (rng) => {
      const store = await openStore({ compactAfterUpdates: Infinity, compactAfterBytes: Infinity });
      const doc = newDoc();
      const before = typeLikeAWriter(doc, rng, { keystrokes: 400 });
      await Promise.all(before.map((update) => store.append('draft', update)));

      let compacted = false;
      const compaction = store.compact('draft').then(() => (compacted = true));
      let appendedDuring = 0;
      while (!compacted) {
        for (const update of typeLikeAWriter(doc, rng, { keystrokes: 3 })) await store.append('draft', update);
        appendedDuring += 3;
        // Edits come in on later turns of the event loop. An append may resolve without I/O (the
        // LevelDB journal), so without this the loop would starve the compaction it waits for.
        await new Promise((resolve) => setImmediate(resolve));
      }
      await compaction;

      expect(appendedDuring).toBeGreaterThan(0);
      const info = await store.info('draft');
      expect(info!.updates).toBeLessThanOrEqual(1 + appendedDuring);
      const loaded = await store.load('draft');
      expect(textOf(loaded)).toBe(doc.getText('text').toString());
      expect(Y.encodeStateVectorFromUpdate(loaded!)).toEqual(Y.encodeStateVector(doc));
    });
  });

  it('reports bytes, update count and time in info, and lists documents by name', async () => {
    const store = await openStore();
    const updates = [textUpdate('one'), textUpdate('two'), textUpdate('three')];
    const started = Date.now();
    for (const update of updates) await store.append('team/plan', update);
    await store.append('team', textUpdate('x'));
    await store.append('alpha', textUpdate('y'));
    const info = await store.info('team/plan');
    expect(info).toMatchObject({
      name: 'team/plan',
      updates: 3,
      bytes: updates.reduce((sum, update) => sum + update.byteLength, 0),
    });
    expect(info!.updatedAt).toBeGreaterThanOrEqual(started);
    expect(info!.updatedAt).toBeLessThanOrEqual(Date.now());
    expect((await store.list()).map((entry) => entry.name)).toEqual(['alpha', 'team', 'team/plan']);
  });

  it('forgets a deleted document, and a later append starts it afresh', async () => {
    const store = await openStore();
    await store.append('gone', textUpdate('old'));
    await store.append('kept', textUpdate('kept'));
    await store.delete('gone');
    expect(await store.load('gone')).toBeNull();
    expect(await store.info('gone')).toBeNull();
    expect((await store.list()).map((entry) => entry.name)).toEqual(['kept']);

    await store.append('gone', textUpdate('new'));
    expect(textOf(await store.load('gone'))).toBe('new');
    expect(await store.info('gone')).toMatchObject({ updates: 1 });
  });

  it('removes the appends made before a delete in the same tick, and keeps those made after', async () => {
    const store = await openStore();
    await Promise.all([store.append('doc', textUpdate('before')), store.delete('doc'), store.append('doc', textUpdate('after'))]);
    expect(textOf(await store.load('doc'))).toBe('after');
    expect(await store.info('doc')).toMatchObject({ updates: 1 });
  });

  it('leaves a document deleted when the delete comes during its compaction', async () => {
    const store = await openStore();
    for (let i = 0; i < 20; i++) await store.append('doc', textUpdate(`${i}`));
    await Promise.all([store.compact('doc'), store.delete('doc')]);
    expect(await store.load('doc')).toBeNull();
    expect(await store.list()).toEqual([]);
  });

  it('compacts in the background once the log passes the update threshold', async () => {
    await withSeed(async (rng) => {
      const store = await openStore({ compactAfterUpdates: 50 });
      const doc = newDoc();
      const updates = typeLikeAWriter(doc, rng, { keystrokes: 120 });
      for (const update of updates) await store.append('draft', update);
      await waitFor(async () => (await store.info('draft'))!.updates < 50, { message: 'a background compaction' });
      expect(textOf(await store.load('draft'))).toBe(doc.getText('text').toString());
    });
  });

  it('compacts in the background once the log passes the byte threshold', async () => {
    const store = await openStore({ compactAfterUpdates: Infinity, compactAfterBytes: 2_000 });
    const doc = newDoc();
    const text = doc.getText('text');
    for (let i = 0; i < 20; i++) {
      const update = await new Promise<Uint8Array>((resolve) => {
        doc.once('update', resolve);
        text.insert(text.length, 'x'.repeat(200));
      });
      await store.append('draft', update);
    }
    await waitFor(async () => (await store.info('draft'))!.updates < 20, { message: 'a background compaction' });
    expect(textOf(await store.load('draft'))).toBe(text.toString());
  });

  // Only a durable store has a long log to find at load.
  if (durable) {
    it('compacts a long log that a load found, once the load was served rather than at once', async () => {
      await withSeed(async (rng) => {
        const doc = newDoc();
        const updates = typeLikeAWriter(doc, rng, { keystrokes: 80 });
        const writer = await openStore({ compactAfterUpdates: Infinity, compactAfterBytes: Infinity });
        for (const update of updates) await writer.append('draft', update);
        await writer.close();
        const store = await openStore({ compactAfterUpdates: 50 });
        const loadedAt = performance.now();
        expect(textOf(await store.load('draft'))).toBe(doc.getText('text').toString());
        expect((await store.info('draft'))!.updates).toBe(80);
        await waitFor(async () => (await store.info('draft'))!.updates === 1, { message: 'the compaction after the load' });
        expect(performance.now() - loadedAt).toBeGreaterThanOrEqual(COMPACT_AFTER_LOAD_MS);
        expect(textOf(await store.load('draft'))).toBe(doc.getText('text').toString());
      });
    });
  }

  it('reports a failed background compaction to onError, retries only after the log grew again, and keeps accepting appends', async () => {
    const failures: string[] = [];
    const store = await openStore({ compactAfterUpdates: 3, onError: (_error, document) => failures.push(document) });
    await store.append('broken', Uint8Array.of(1, 2, 3, 4, 5));
    for (let i = 0; i < 3; i++) await store.append('broken', textUpdate(`${i}`));
    await waitFor(() => failures.length > 0, { message: 'onError' });
    expect(failures).toEqual(['broken']);

    // One more append is less growth than the threshold: no retry. An explicit compaction runs
    // after any background one and reports to its caller, so it shows none ran.
    await store.append('broken', textUpdate('one more'));
    await expect(store.compact('broken')).rejects.toThrow();
    expect(failures).toEqual(['broken']);
    for (let i = 0; i < 2; i++) await store.append('broken', textUpdate(`and ${i}`));
    await waitFor(() => failures.length > 1, { message: 'the retry' });

    await store.append('fine', textUpdate('still writing'));
    expect(textOf(await store.load('fine'))).toBe('still writing');
  });

  it('agrees with a model of its documents under a seeded mix of appends, deletes, compactions and restarts', async () => {
    await withSeed(async (rng) => {
      const options: LogStoreOptions = { compactAfterUpdates: 7, compactAfterBytes: 400 };
      let store = await openStore(options);
      const names = ['a', 'b', 'team/c'];
      const model = new Map<string, Y.Doc>();
      let pending: Promise<void>[] = [];
      for (let step = 1; step <= 600; step++) {
        const name = prng.oneOf(rng, names);
        const roll = prng.real53(rng);
        if (roll < 0.75) {
          let doc = model.get(name);
          if (!doc) model.set(name, (doc = newDoc()));
          const plan = { keystrokes: prng.uint32(rng, 1, 6), perUpdate: prng.uint32(rng, 1, 3) };
          for (const update of typeLikeAWriter(doc, rng, plan)) pending.push(store.append(name, update));
        } else if (roll < 0.8) {
          model.delete(name);
          pending.push(store.delete(name));
        } else if (roll < 0.88) {
          pending.push(store.compact(name));
        } else {
          await new Promise((resolve) => setImmediate(resolve));
        }
        if (step % 100 !== 0) continue;

        await Promise.all(pending);
        pending = [];
        if (durable && prng.bool(rng)) {
          await store.close();
          store = await openStore(options);
        }
        for (const checked of names) {
          const doc = model.get(checked);
          const loaded = await store.load(checked);
          if (!doc) {
            expect(loaded, checked).toBeNull();
            continue;
          }
          expect(textOf(loaded), checked).toBe(doc.getText('text').toString());
          expect(Y.encodeStateVectorFromUpdate(loaded!), checked).toEqual(Y.encodeStateVector(doc));
          await store.compact(checked);
          const compacted = (await store.load(checked))!;
          expect(await store.info(checked), checked).toMatchObject({ updates: 1, bytes: compacted.byteLength });
        }
      }
    });
  });

  it('writes pending appends before close resolves', async () => {
    const store = await openStore();
    let resolved = false;
    const appended = store.append('doc', textUpdate('last words')).then(() => (resolved = true));
    await store.close();
    expect(resolved).toBe(true);
    await appended;
    if (durable) {
      const reopened = await openStore();
      expect(textOf(await reopened.load('doc'))).toBe('last words');
      expect(await reopened.info('doc')).toMatchObject({ updates: 1 });
    }
  });

  it('keeps a tombstone for a deleted document, across a restart, until something is stored under its name again', async () => {
    const store = await openStore();
    expect(await store.deletedAt('doc')).toBeNull();
    await store.append('doc', textUpdate('x'));
    expect(await store.deletedAt('doc')).toBeNull();
    const before = Date.now();
    await store.delete('doc');
    const deletedAt = await store.deletedAt('doc');
    // The database's clock stamps PostgreSQL's: the same machine's, to the millisecond.
    expect(deletedAt).toBeGreaterThanOrEqual(before - 5);
    expect(deletedAt).toBeLessThanOrEqual(Date.now() + 5);
    expect(await store.list()).toEqual([]);
    let current = store;
    if (durable) {
      await store.close();
      current = await openStore();
      expect(await current.deletedAt('doc')).toBe(deletedAt);
    }
    await current.append('doc', textUpdate('again'));
    expect(await current.deletedAt('doc')).toBeNull();
    if (durable) {
      await current.close();
      expect(await (await openStore()).deletedAt('doc')).toBeNull();
    }
  });

  it('answers its health probe with ok while it takes writes', async () => {
    const store = await openStore();
    expect(store.health()).toEqual({ state: 'ok' });
    await store.append('doc', textUpdate('x'));
    await store.delete('doc');
    expect(store.health()).toEqual({ state: 'ok' });
  });

  it('rejects every call after close with StoreClosedError', async () => {
    const store = await openStore();
    await store.append('doc', textUpdate('x'));
    await store.close();
    const calls: Array<() => Promise<unknown>> = [
      () => store.load('doc'),
      () => store.append('doc', textUpdate('y')),
      () => store.compact('doc'),
      () => store.info('doc'),
      () => store.list(),
      () => store.delete('doc'),
      () => store.close(),
    ];
    for (const call of calls) await expect(call()).rejects.toBeInstanceOf(StoreClosedError);
  });

  it('keeps versions with their record, lists them newest first, and reads each state back', async () => {
    const store = await openStore();
    // One update, kept: another textUpdate('first') has another random client id, maybe of another length.
    const firstState = textUpdate('first');
    const first = await store.versions.save('doc', firstState, { kind: 'manual', label: 'Draft', createdBy: 'ada', createdAt: 1_000 });
    const second = await store.versions.save('doc', textUpdate('second'), { kind: 'auto', createdAt: 2_000 });
    expect(first).toMatchObject({ label: 'Draft', createdBy: 'ada', kind: 'manual', createdAt: 1_000, bytes: firstState.length });
    expect(second).toMatchObject({ label: null, createdBy: null, kind: 'auto' });
    expect(first.id).not.toBe(second.id);
    expect((await store.versions.list('doc')).map((v) => v.id)).toEqual([second.id, first.id]);
    const read = await store.versions.get('doc', first.id);
    expect(read?.info).toEqual(first);
    expect(textOf(read?.state ?? null)).toBe('first');
    expect(await store.versions.get('doc', 'no-such-id')).toBeNull();
    expect(await store.versions.list('other')).toEqual([]);
  });

  it('replaces a version saved again under the same id (one automatic version per moment)', async () => {
    const store = await openStore();
    await store.versions.save('doc', textUpdate('early'), { kind: 'auto', id: 'auto-1', createdAt: 1_000 });
    await store.versions.save('doc', textUpdate('late'), { kind: 'auto', id: 'auto-1', createdAt: 1_500 });
    const versions = await store.versions.list('doc');
    expect(versions.map((v) => [v.id, v.createdAt])).toEqual([['auto-1', 1_500]]);
    expect(textOf((await store.versions.get('doc', 'auto-1'))?.state ?? null)).toBe('late');
  });

  it('drops the oldest automatic versions first when a document has more than maxVersions', async () => {
    const store = await openStore({ maxVersions: 3 });
    const manual = await store.versions.save('doc', textUpdate('m'), { kind: 'manual', createdAt: 1 });
    const old = await store.versions.save('doc', textUpdate('a1'), { kind: 'auto', createdAt: 2 });
    const restore = await store.versions.save('doc', textUpdate('r'), { kind: 'before-restore', createdAt: 3 });
    const newer = await store.versions.save('doc', textUpdate('a2'), { kind: 'auto', createdAt: 4 });
    expect((await store.versions.list('doc')).map((v) => v.id)).toEqual([newer.id, restore.id, manual.id]);
    expect(old.id).not.toBe(newer.id);
    const manuals = [];
    for (let i = 0; i < 3; i++) manuals.push(await store.versions.save('doc', textUpdate(`m${i}`), { kind: 'manual', createdAt: 10 + i }));
    expect((await store.versions.list('doc')).map((v) => v.id)).toEqual(manuals.map((v) => v.id).reverse());
  });

  it('deletes the versions of a deleted document', async () => {
    const store = await openStore();
    await store.append('doc', textUpdate('x'));
    await store.versions.save('doc', textUpdate('x'), { kind: 'manual' });
    await store.versions.save('kept', textUpdate('y'), { kind: 'manual' });
    await store.delete('doc');
    expect(await store.versions.list('doc')).toEqual([]);
    expect(await store.versions.list('kept')).toHaveLength(1);
  });

  // Only a durable store can keep anything across a reopen.
  if (durable)
    it('keeps versions across a reopen', async () => {
      const store = await openStore();
      const saved = await store.versions.save('doc', textUpdate('durable'), { kind: 'manual', label: 'Before the trip' });
      await store.close();
      const reopened = await openStore();
      expect(await reopened.versions.list('doc')).toEqual([saved]);
      expect(textOf((await reopened.versions.get('doc', saved.id))?.state ?? null)).toBe('durable');
    });

  it('refuses document names that could break out of their key range', async () => {
    const store = await openStore();
    for (const name of ['', 'a\u0000b', '../up', 'trailing/', 'line\nbreak']) {
      await expect(store.versions.save(name, textUpdate('x'), { kind: 'manual' })).rejects.toBeInstanceOf(TypeError);
      await expect(store.append(name, textUpdate('x'))).rejects.toBeInstanceOf(TypeError);
      await expect(store.load(name)).rejects.toBeInstanceOf(TypeError);
    }
    expect(await store.list()).toEqual([]);
  });
});
