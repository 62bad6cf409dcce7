/**
 * The PostgreSQL store's tables, and bringing a database up to them at start.
 *
 * - `tandem_updates`: each document's log, one row per Yjs update. `seq` comes from an identity
 *   sequence, so instances appending to one document at once never collide; a document's log
 *   is its rows in `seq` order.
 * - `tandem_documents`: one row of counters per document, so `info` and `list` never read a log
 *   and compaction knows when it is due. Writers change them relative to what is stored, in the
 *   statement or transaction that changes the log, so they stay exact under concurrency.
 * - `tandem_tombstones`: when each deleted document was deleted. A tombstone counts only while
 *   the document has no counters row (nothing stored since), so appends never touch this table.
 * - `tandem_versions`: whole-document versions (versions.ts), one row each, state as bytea.
 * - `tandem_schema_version`: the migrations applied, one row each.
 *
 * Migrations run in one transaction under an advisory lock, so instances starting together
 * apply each one once and none sees a half-made schema.
 */

/** What a statement returned: its rows, and how many rows it changed. */
export interface SqlResult<R> {
  rows: R[];
  rowCount: number | null;
}

/** The part of a database session the SQL of the store needs: one statement at a time. */
export interface SqlSession {
  query<R = unknown>(text: string, values?: unknown[]): Promise<SqlResult<R>>;
}

/**
 * Advisory lock keys (the two-int form): a class id spelling "Tand", and within it 0 for
 * migrations and 1 for the compactions of a document, keyed by `hashtext(name)`. A hash
 * collision only makes two documents take turns compacting.
 */
export const LOCK_CLASS = 0x54616e64;
/** Second key of the migration lock. */
export const MIGRATION_LOCK = 0;
/** Lock class of per-document compaction locks. */
export const COMPACTION_LOCK_CLASS = LOCK_CLASS + 1;

/** Each migration, in order; the schema version is how many have run. Never edit one that shipped. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE tandem_documents (
     name text PRIMARY KEY,
     bytes bigint NOT NULL,
     updates bigint NOT NULL,
     compacted_bytes bigint NOT NULL DEFAULT 0,
     updated_at timestamptz NOT NULL
   );
   CREATE TABLE tandem_updates (
     name text NOT NULL,
     seq bigint GENERATED ALWAYS AS IDENTITY,
     data bytea NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (name, seq)
   );`,
  `CREATE TABLE tandem_tombstones (
     name text PRIMARY KEY,
     deleted_at timestamptz NOT NULL
   );`,
  `CREATE TABLE tandem_versions (
     name text NOT NULL,
     id text NOT NULL,
     label text,
     created_at bigint NOT NULL,
     created_by text,
     kind text NOT NULL,
     bytes bigint NOT NULL,
     state bytea NOT NULL,
     PRIMARY KEY (name, id)
   );`,
];

/** The schema version this code reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Thrown when the database was migrated by a newer Tandem than this one. */
export class SchemaTooNewError extends Error {
  constructor(readonly found: number) {
    super(`the database has Tandem schema version ${found}; this version of Tandem knows up to ${SCHEMA_VERSION}`);
    this.name = 'SchemaTooNewError';
  }
}

/**
 * Applies the migrations the database lacks. Idempotent, and safe when several instances start
 * at once: `session` must be inside a transaction, which the lock taken here spans.
 */
export async function migrate(session: SqlSession): Promise<void> {
  await session.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, MIGRATION_LOCK]);
  await session.query(
    `CREATE TABLE IF NOT EXISTS tandem_schema_version (
       version integer PRIMARY KEY,
       applied_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
  const { rows } = await session.query<{ version: number }>('SELECT coalesce(max(version), 0) AS version FROM tandem_schema_version');
  const found = rows[0]?.version ?? 0;
  if (found > SCHEMA_VERSION) throw new SchemaTooNewError(found);
  for (let version = found + 1; version <= SCHEMA_VERSION; version++) {
    await session.query(MIGRATIONS[version - 1] as string);
    await session.query('INSERT INTO tandem_schema_version (version) VALUES ($1)', [version]);
  }
}
