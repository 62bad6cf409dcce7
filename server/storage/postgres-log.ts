/**
 * The statements of the PostgreSQL store over its tables (postgres-schema.ts), so that the
 * rules that let several instances share a document read in one place.
 *
 * Locks are always taken in one order (a document's compaction lock, then its counters row,
 * then its log rows), so writers never wait on each other in a cycle:
 * - an append batch is one statement: it inserts log rows, which nobody waits on, then updates
 *   the counters of its documents in name order;
 * - a delete first locks the counters row, creating it if absent, so that every append still
 *   to commit waits for it: one that already wrote its log rows but not yet its counters would
 *   otherwise commit a fresh counters row between the delete's statements and lose its rows to
 *   the second one. It then removes the log rows (a statement that sees every append committed
 *   before the lock) and the counters row;
 * - a compaction holds the document's advisory lock (so one runs at a time across instances),
 *   reads the log, merges it, then locks the counters row and replaces exactly the rows it
 *   read, checking every row count: a difference means a delete got there first, and it rolls
 *   back. An append racing with it adds a row it never read, so nothing is lost.
 * Counters change relative to what is stored (`updates = updates + n`), so they stay exact
 * whatever other instances do in between.
 */
import { mergeLogOffThread } from '../yjs/off-thread.js';
import { COMPACTION_LOCK_CLASS, type SqlSession } from './postgres-schema.js';
import type { DocumentInfo } from './store.js';

/** A document's counters as stored. */
export interface Counters {
  name: string;
  bytes: number;
  updates: number;
  /** Size of the merged state the last compaction wrote, 0 if none: the rest of `bytes` is new. */
  compactedBytes: number;
}

/** One row of a log. `seq` is a bigint, kept as the string pg gives. */
export interface LogRow {
  seq: string;
  data: Uint8Array;
}

/** A log as read and merged, ready to be written back as one row. */
interface MergedLog {
  rows: readonly LogRow[];
  update: Uint8Array;
}

const INFO_COLUMNS = `name, bytes::float8 AS bytes, updates::float8 AS updates,
  floor(extract(epoch FROM updated_at) * 1000)::float8 AS "updatedAt"`;

/** Appends `updates[i]` to the log of `names[i]`, in order, in one statement; the counters of every document touched. */
export async function appendUpdates(session: SqlSession, names: string[], updates: Uint8Array[]): Promise<Counters[]> {
  const { rows } = await session.query<Counters>(
    `WITH appended AS (
       INSERT INTO tandem_updates (name, data)
       SELECT name, data FROM unnest($1::text[], $2::bytea[]) WITH ORDINALITY AS batch (name, data, position)
       ORDER BY position
       RETURNING name, octet_length(data) AS size
     )
     INSERT INTO tandem_documents AS doc (name, bytes, updates, updated_at)
     SELECT name, sum(size), count(*), now() FROM appended GROUP BY name ORDER BY name
     ON CONFLICT (name) DO UPDATE SET
       bytes = doc.bytes + excluded.bytes,
       updates = doc.updates + excluded.updates,
       updated_at = excluded.updated_at
     RETURNING name, bytes::float8 AS bytes, updates::float8 AS updates, compacted_bytes::float8 AS "compactedBytes"`,
    [names, updates],
  );
  return rows;
}

/** The log of `name` in order, empty when nothing is stored. */
export async function readLog(session: SqlSession, name: string): Promise<LogRow[]> {
  return (await session.query<LogRow>('SELECT seq, data FROM tandem_updates WHERE name = $1 ORDER BY seq', [name])).rows;
}

/** Removes everything stored for `name` and leaves its tombstone. Four statements: run it inside a transaction. */
export async function deleteDocument(session: SqlSession, name: string): Promise<void> {
  await session.query(
    `INSERT INTO tandem_documents AS doc (name, bytes, updates, updated_at) VALUES ($1, 0, 0, now())
     ON CONFLICT (name) DO UPDATE SET updated_at = doc.updated_at`,
    [name],
  );
  await session.query('DELETE FROM tandem_updates WHERE name = $1', [name]);
  await session.query('DELETE FROM tandem_documents WHERE name = $1', [name]);
  await session.query(
    `INSERT INTO tandem_tombstones (name, deleted_at) VALUES ($1, now())
     ON CONFLICT (name) DO UPDATE SET deleted_at = excluded.deleted_at`,
    [name],
  );
}

/** When `name` was deleted (ms since epoch), unless something was stored under it since; null otherwise. */
export async function readDeletedAt(session: SqlSession, name: string): Promise<number | null> {
  const { rows } = await session.query<{ deletedAt: number }>(
    `SELECT floor(extract(epoch FROM deleted_at) * 1000)::float8 AS "deletedAt" FROM tandem_tombstones
     WHERE name = $1 AND NOT EXISTS (SELECT 1 FROM tandem_documents WHERE name = $1)`,
    [name],
  );
  return rows[0]?.deletedAt ?? null;
}

/** What is stored about `name`, or null. */
export async function readInfo(session: SqlSession, name: string): Promise<DocumentInfo | null> {
  const { rows } = await session.query<DocumentInfo>(`SELECT ${INFO_COLUMNS} FROM tandem_documents WHERE name = $1`, [name]);
  return rows[0] ?? null;
}

/** Every stored document, ordered by name. */
export async function listInfos(session: SqlSession): Promise<DocumentInfo[]> {
  return (await session.query<DocumentInfo>(`SELECT ${INFO_COLUMNS} FROM tandem_documents ORDER BY name COLLATE "C"`)).rows;
}

/**
 * Merges the log of `name` into one row, inside the caller's transaction; resolves with whether
 * to commit. `wait`: wait for a compaction another instance runs (an explicit call), or leave
 * the document to it (a background one).
 */
export async function compactLog(session: SqlSession, name: string, wait: boolean): Promise<boolean> {
  const lock = wait ? 'pg_advisory_xact_lock' : 'pg_try_advisory_xact_lock';
  const { rows } = await session.query<{ locked: boolean | '' }>(`SELECT ${lock}($1, hashtext($2)) AS locked`, [COMPACTION_LOCK_CLASS, name]);
  // pg_advisory_xact_lock returns void, which reads as ''.
  if (rows[0]?.locked === false) return false;
  const read = await readLog(session, name);
  const update = await mergeLogOffThread(read.map((row) => row.data));
  if (update === null || read.length < 2) return false;
  return replaceLog(session, name, { rows: read, update });
}

/** Replaces the rows of `log` by its merge; false (roll back) if any of them changed meanwhile. */
async function replaceLog(session: SqlSession, name: string, { rows, update }: MergedLog): Promise<boolean> {
  const kept = rows[rows.length - 1] as LogRow;
  const removed = rows.slice(0, -1).map((row) => row.seq);
  let mergedBytes = 0;
  for (const row of rows) mergedBytes += row.data.byteLength;
  const counters = await session.query('SELECT 1 FROM tandem_documents WHERE name = $1 FOR UPDATE', [name]);
  if (counters.rows.length === 0) return false;
  // The merge takes the place of the newest row it replaces, so rows appended meanwhile stay after it.
  const rewritten = await session.query('UPDATE tandem_updates SET data = $3 WHERE name = $1 AND seq = $2', [name, kept.seq, update]);
  if (rewritten.rowCount !== 1) return false;
  const deleted = await session.query('DELETE FROM tandem_updates WHERE name = $1 AND seq = ANY($2::bigint[])', [name, removed]);
  if (deleted.rowCount !== removed.length) return false;
  await session.query(
    `UPDATE tandem_documents
       SET bytes = bytes - $2 + $3, updates = updates - $4 + 1, compacted_bytes = $3, updated_at = now()
     WHERE name = $1`,
    [name, mergedBytes, update.byteLength, rows.length],
  );
  return true;
}
