/**
 * The PostgreSQL store beyond the shared contract: several instances on one database, the
 * schema made at start, and a database that goes away and comes back. One real PostgreSQL
 * serves the file, a fresh database per test.
 */
import { setImmediate } from 'node:timers';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import * as prng from 'lib0/prng';
import * as Y from 'yjs';
import { COMPACTION_LOCK_CLASS, SCHEMA_VERSION, SchemaTooNewError } from '../../server/storage/postgres-schema.js';
import { openPostgresStore, StoreOverloadedError, type PostgresStoreOptions } from '../../server/storage/postgres-store.js';
import type { DocumentStore } from '../../server/storage/store.js';
import { connectClient, queryRows, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { withSeed, type Rng } from '../helpers/seed.js';
import { closeStores } from '../helpers/stores.js';
import { textOf, textUpdate, typeLikeAWriter } from '../helpers/text-docs.js';
import { waitFor } from '../helpers/wait-for.js';

let postgres: TestPostgres;
const opened: DocumentStore[] = [];
const docs: Y.Doc[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
});

afterAll(async () => {
  await postgres?.destroy();
});

afterEach(async () => {
  // A test that failed while the server was stopped must not leave its stores retrying forever.
  await postgres.start();
  await closeStores(opened.splice(0));
  for (const doc of docs.splice(0)) doc.destroy();
});

async function openStore(url: string, options?: PostgresStoreOptions): Promise<DocumentStore> {
  const store = await openPostgresStore(url, options);
  opened.push(store);
  return store;
}

function newDoc(): Y.Doc {
  const doc = new Y.Doc();
  docs.push(doc);
  return doc;
}

function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface StoredRows {
  rows: number;
  bytes: number;
}

/** What the log table holds for `name`, read behind the store's back. */
async function storedRows(url: string, name: string): Promise<StoredRows> {
  const [row] = await queryRows<StoredRows>(
    url,
    'SELECT count(*)::int AS rows, coalesce(sum(octet_length(data)), 0)::float8 AS bytes FROM tandem_updates WHERE name = $1',
    [name],
  );
  return row!;
}

/** Several writers typing into one shared document: each sometimes catches up with the others first. */
function typeTogether(rng: Rng, writers: Y.Doc[], model: Y.Doc): Uint8Array[] {
  const writer = prng.oneOf(rng, writers);
  if (prng.real53(rng) < 0.2) Y.applyUpdate(writer, Y.encodeStateAsUpdate(model));
  const updates = typeLikeAWriter(writer, rng, { keystrokes: prng.uint32(rng, 1, 4) });
  for (const update of updates) Y.applyUpdate(model, update);
  return updates;
}

it('lets two instances append to one document and compact it at once without losing or repeating an update', async () => {
  await withSeed(async (rng) => {
    const url = await postgres.createDatabase();
    const failures: unknown[] = [];
    const options: PostgresStoreOptions = { compactAfterUpdates: 15, onError: (error) => failures.push(error) };
    const instances = [await openStore(url, options), await openStore(url, options)];
    const model = newDoc();
    const writers = [newDoc(), newDoc(), newDoc()];
    const pending: Promise<void>[] = [];
    let appended = 0;
    let explicitCompactions = 0;
    for (let step = 1; step <= 300; step++) {
      for (const update of typeTogether(rng, writers, model)) {
        pending.push(prng.oneOf(rng, instances).append('shared', update));
        appended++;
      }
      if (prng.real53(rng) < 0.05) {
        pending.push(...instances.map((store) => store.compact('shared')));
        explicitCompactions++;
      }
      if (step % 8 === 0) await nextTick();
    }
    await Promise.all(pending);
    // Closing waits for the background compactions too.
    await closeStores(instances);

    expect(explicitCompactions).toBeGreaterThan(0);
    expect(failures).toEqual([]);
    const reader = await openStore(url);
    const loaded = await reader.load('shared');
    expect(textOf(loaded)).toBe(model.getText('text').toString());
    expect(Y.encodeStateVectorFromUpdate(loaded!)).toEqual(Y.encodeStateVector(model));
    const stored = await storedRows(url, 'shared');
    expect(await reader.info('shared')).toMatchObject({ updates: stored.rows, bytes: stored.bytes });
    expect(stored.rows).toBeLessThan(appended / 4);
  });
});

it('gives every append from either instance its own row', async () => {
  const url = await postgres.createDatabase();
  const options: PostgresStoreOptions = { compactAfterUpdates: Infinity, compactAfterBytes: Infinity };
  const [a, b] = [await openStore(url, options), await openStore(url, options)];
  const pending: Promise<void>[] = [];
  for (let i = 0; i < 200; i++) pending.push((i % 2 ? a! : b!).append('doc', textUpdate(`${i}`, `field-${i}`)));
  await Promise.all(pending);
  const rows = await queryRows<{ seq: string }>(url, "SELECT seq FROM tandem_updates WHERE name = 'doc'");
  expect(rows).toHaveLength(200);
  expect(new Set(rows.map((row) => row.seq)).size).toBe(200);
  expect(await a!.info('doc')).toMatchObject({ updates: 200 });
});

it('keeps its counters equal to the rows when one instance deletes a document the other appends to and compacts', async () => {
  await withSeed(async (rng) => {
    const url = await postgres.createDatabase();
    const instances = [await openStore(url, { compactAfterUpdates: 10 }), await openStore(url, { compactAfterUpdates: 10 })];
    const pending: Promise<void>[] = [];
    for (let step = 1; step <= 300; step++) {
      const store = prng.oneOf(rng, instances);
      const roll = prng.real53(rng);
      if (roll < 0.85) pending.push(store.append('doc', textUpdate(`${step}`, `field-${step}`)));
      else if (roll < 0.9) pending.push(store.delete('doc'));
      else pending.push(store.compact('doc'));
      if (step % 6 === 0) await nextTick();
    }
    await Promise.all(pending);
    await closeStores(instances);

    const reader = await openStore(url);
    const stored = await storedRows(url, 'doc');
    const info = await reader.info('doc');
    if (stored.rows === 0) {
      expect(info).toBeNull();
      expect(await reader.load('doc')).toBeNull();
    } else {
      expect(info).toMatchObject({ updates: stored.rows, bytes: stored.bytes });
    }
  });
});

/** Waits until some session of the database waits for a lock. */
async function someoneWaitsForALock(url: string): Promise<void> {
  await waitFor(async () => (await queryRows(url, 'SELECT 1 FROM pg_locks WHERE NOT granted')).length > 0, {
    message: 'a session waiting for a lock',
  });
}

/** SQL with its parameters, as another instance would run it. */
type Statements = ReadonlyArray<[string, unknown[]]>;

/**
 * What another instance does while this one acts: `statements` run in a transaction of another
 * session, `action` starts, and they commit once it waits for their locks (checking it did wait).
 */
async function waitsForAnotherSession(url: string, statements: Statements, action: () => Promise<void>): Promise<void> {
  const other = await connectClient(url);
  try {
    await other.query('BEGIN');
    for (const [text, values] of statements) await other.query(text, values);
    let done = false;
    const running = action().then(() => (done = true));
    await someoneWaitsForALock(url);
    expect(done).toBe(false);
    await other.query('COMMIT');
    await running;
  } finally {
    await other.end();
  }
}

/** What another instance does while `store` compacts 'doc' (see {@link waitsForAnotherSession}). */
function compactDuring(url: string, store: DocumentStore, statements: Statements): Promise<void> {
  return waitsForAnotherSession(url, statements, () => store.compact('doc'));
}

it('counts an append that another instance commits while it compacts', async () => {
  const url = await postgres.createDatabase();
  const store = await openStore(url, { compactAfterUpdates: Infinity });
  for (let i = 0; i < 5; i++) await store.append('doc', textUpdate(`${i}`, `field-${i}`));
  const late = textUpdate('late', 'late');
  // The other instance's append, caught between writing its row and committing.
  await compactDuring(url, store, [
    ["INSERT INTO tandem_updates (name, data) VALUES ('doc', $1)", [late]],
    ["UPDATE tandem_documents SET updates = updates + 1, bytes = bytes + $1 WHERE name = 'doc'", [late.byteLength]],
  ]);
  const stored = await storedRows(url, 'doc');
  expect(stored.rows).toBe(2);
  expect(await store.info('doc')).toMatchObject({ updates: 2, bytes: stored.bytes });
  expect(textOf(await store.load('doc'), 'late')).toBe('late');
});

it('gives way to a delete that another instance commits while it compacts, keeping what was appended after', async () => {
  const url = await postgres.createDatabase();
  const store = await openStore(url, { compactAfterUpdates: Infinity });
  for (let i = 0; i < 5; i++) await store.append('doc', textUpdate(`${i}`, `field-${i}`));
  const fresh = textUpdate('fresh start');
  // The other instance deletes the document and a client starts it afresh.
  await compactDuring(url, store, [
    ["DELETE FROM tandem_documents WHERE name = 'doc'", []],
    ["DELETE FROM tandem_updates WHERE name = 'doc'", []],
    ["INSERT INTO tandem_updates (name, data) VALUES ('doc', $1)", [fresh]],
    ["INSERT INTO tandem_documents (name, bytes, updates, updated_at) VALUES ('doc', $1, 1, now())", [fresh.byteLength]],
  ]);
  expect(textOf(await store.load('doc'))).toBe('fresh start');
  expect(await store.info('doc')).toMatchObject({ updates: 1, bytes: fresh.byteLength });
  expect(await storedRows(url, 'doc')).toEqual({ rows: 1, bytes: fresh.byteLength });
});

it('makes a delete wait for an append of a new document that another instance has not committed yet', async () => {
  const url = await postgres.createDatabase();
  const store = await openStore(url);
  const early = textUpdate('early');
  // The other instance's append of a document nobody stored yet, caught before its commit:
  // without a lock to wait on, the delete would miss its counters and remove its rows.
  await waitsForAnotherSession(
    url,
    [
      ["INSERT INTO tandem_updates (name, data) VALUES ('doc', $1)", [early]],
      ["INSERT INTO tandem_documents (name, bytes, updates, updated_at) VALUES ('doc', $1, 1, now())", [early.byteLength]],
    ],
    () => store.delete('doc'),
  );
  expect(await storedRows(url, 'doc')).toEqual({ rows: 0, bytes: 0 });
  expect(await store.info('doc')).toBeNull();
  await store.append('doc', textUpdate('after'));
  expect(await store.info('doc')).toMatchObject({ updates: 1, bytes: (await storedRows(url, 'doc')).bytes });
});

it('shows each instance what the other appended, in load, info and list', async () => {
  const url = await postgres.createDatabase();
  const [a, b] = [await openStore(url), await openStore(url)];
  await a!.append('notes', textUpdate('from a'));
  await b!.append('plans', textUpdate('from b'));
  expect(textOf(await b!.load('notes'))).toBe('from a');
  expect(await a!.info('plans')).toMatchObject({ name: 'plans', updates: 1 });
  expect((await a!.list()).map((info) => info.name)).toEqual(['notes', 'plans']);
});

it('leaves a document to the instance already compacting it, and an explicit compaction waits for that one', async () => {
  const url = await postgres.createDatabase();
  const store = await openStore(url, { compactAfterUpdates: 5 });
  // Another instance compacts 'doc' all along: the background compactions leave it alone.
  await waitsForAnotherSession(url, [['SELECT pg_advisory_xact_lock($1, hashtext($2))', [COMPACTION_LOCK_CLASS, 'doc']]], async () => {
    for (let i = 0; i < 12; i++) await store.append('doc', textUpdate(`${i}`, `field-${i}`));
    expect(await store.info('doc')).toMatchObject({ updates: 12 });
    await store.compact('doc');
  });
  expect(await store.info('doc')).toMatchObject({ updates: 1 });
});

it('creates its tables once when several instances start together on an empty database', async () => {
  const url = await postgres.createDatabase();
  await Promise.all(Array.from({ length: 4 }, () => openStore(url)));
  await openStore(url);
  const versions = await queryRows<{ version: number }>(url, 'SELECT version FROM tandem_schema_version ORDER BY version');
  expect(versions.map((row) => row.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
});

it('refuses a database whose schema a newer version of Tandem made', async () => {
  const url = await postgres.createDatabase();
  await openStore(url);
  await queryRows(url, 'INSERT INTO tandem_schema_version (version) VALUES ($1)', [SCHEMA_VERSION + 1]);
  await expect(openPostgresStore(url)).rejects.toBeInstanceOf(SchemaTooNewError);
});

it('holds appends while the database is down, reports degraded, and writes every one once it returns', async () => {
  await withSeed(async (rng) => {
    const url = await postgres.createDatabase();
    let retries = 0;
    const store = await openStore(url, { healthCheckIntervalMs: 50, onRetry: () => retries++ });
    const writer = newDoc();
    const acknowledged = typeLikeAWriter(writer, rng, { keystrokes: 40 });
    await Promise.all(acknowledged.map((update) => store.append('doc', update)));
    expect(store.health()).toEqual({ state: 'ok' });

    const resolvedAt: Promise<number>[] = [];
    const appendNow = (keystrokes: number) => {
      for (const update of typeLikeAWriter(writer, rng, { keystrokes })) {
        resolvedAt.push(store.append('doc', update).then(() => performance.now()));
      }
    };
    const stopped = postgres.stop();
    appendNow(20);
    await stopped;
    appendNow(20);
    await waitFor(() => store.health().state === 'failing', { message: 'health failing' });
    await waitFor(() => retries >= 4, { message: 'the held batch retried four times' });
    const restartedAt = performance.now();
    await postgres.start();

    const times = await Promise.all(resolvedAt);
    expect(Math.max(...times)).toBeGreaterThan(restartedAt);
    await waitFor(() => store.health().state === 'ok', { message: 'health ok again' });
    const reader = await openStore(url);
    const loaded = await reader.load('doc');
    expect(textOf(loaded)).toBe(writer.getText('text').toString());
    expect(Y.encodeStateVectorFromUpdate(loaded!)).toEqual(Y.encodeStateVector(writer));
  });
});

it('reports failing while the database is down even when nothing is written, and ok once it is back', async () => {
  const url = await postgres.createDatabase();
  const store = await openStore(url, { healthCheckIntervalMs: 50 });
  expect(store.health()).toEqual({ state: 'ok' });
  await postgres.stop();
  await waitFor(() => store.health().state === 'failing', { message: 'health failing' });
  await postgres.start();
  await waitFor(() => store.health().state === 'ok', { message: 'health ok again' });
  await store.append('doc', textUpdate('after the outage'));
  expect(textOf(await store.load('doc'))).toBe('after the outage');
});

it('refuses appends beyond its pending bound while the database is down, and writes the ones it held', async () => {
  const url = await postgres.createDatabase();
  const store = await openStore(url, { maxPendingBytes: 400 });
  await postgres.stop();
  const held: Promise<void>[] = [];
  let refused: unknown = null;
  let count = 0;
  while (refused === null && count < 100) {
    const appended = store.append('doc', textUpdate(`held ${count}`, `field-${count}`));
    count++;
    // A refusal is immediate; a held append stays pending until the database returns.
    const outcome = await Promise.race([
      appended.then(
        () => 'written',
        (error: unknown) => error,
      ),
      nextTick().then(() => 'pending'),
    ]);
    if (outcome === 'pending') held.push(appended);
    else refused = outcome;
  }
  expect(refused).toBeInstanceOf(StoreOverloadedError);
  expect(held.length).toBeGreaterThan(0);
  await postgres.start();
  await Promise.all(held);

  const loaded = newDoc();
  Y.applyUpdate(loaded, (await store.load('doc'))!);
  for (let i = 0; i < held.length; i++) expect(loaded.getText(`field-${i}`).toString()).toBe(`held ${i}`);
  expect(loaded.getText(`field-${held.length}`).toString()).toBe('');
  expect(await store.info('doc')).toMatchObject({ updates: held.length });
});

it('rejects appends it could not write within its retry time, writing none of them, and carries on afterwards', async () => {
  const url = await postgres.createDatabase();
  const store = await openStore(url, { retryForMs: 300 });
  await postgres.stop();
  await expect(store.append('doc', textUpdate('lost', 'lost'))).rejects.toThrow();
  await postgres.start();
  await store.append('doc', textUpdate('kept', 'kept'));
  const loaded = newDoc();
  Y.applyUpdate(loaded, (await store.load('doc'))!);
  expect(loaded.getText('lost').toString()).toBe('');
  expect(loaded.getText('kept').toString()).toBe('kept');
});
