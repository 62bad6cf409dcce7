/**
 * The PostgreSQL store, for cluster mode: several Tandem instances share one database and may
 * append to and compact the same document at once. The only file that imports `pg`.
 *
 * Tables are described in postgres-schema.ts. Nothing about a document lives only in this
 * process: counters are read from the database, and this instance keeps no more than the
 * schedule of its own compactions.
 *
 * Row locks are always taken in one order (a document's compaction lock, then its counters row,
 * then its log rows), so writers never wait on each other in a cycle:
 * - an append batch is one statement: it inserts log rows, which nobody waits on, then updates
 *   the counters of its documents in name order;
 * - a delete removes the counters row, then, in a second statement that sees every append
 *   committed meanwhile, the log rows;
 * - a compaction holds the document's advisory lock (so one runs at a time across instances),
 *   reads the log, merges it here, then locks the counters row and replaces exactly the rows it
 *   read, checking every row count: a difference means a delete got there first, and it rolls
 *   back. An append racing with it adds a row the compaction never read, so nothing is lost.
 */
import { DatabaseError, Pool, type PoolClient, type QueryResultRow } from 'pg';
import { CompactionRuns } from './compaction-runs.js';
import { GroupCommit } from './group-commit.js';
import { warnCompactionFailed, type BatchStats, type LogStoreOptions } from './log-store.js';
import { mergeLog } from './merge-log.js';
import { backOff, DatabaseHealth } from './postgres-health.js';
import { COMPACTION_LOCK_CLASS, migrate } from './postgres-schema.js';
import type { DocumentInfo, DocumentStore } from './store.js';
import { StoreLifecycle } from './store-lifecycle.js';

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions extends LogStoreOptions {
  /** Connections this instance opens at most: one carries the write batch, the rest serve loads and compactions. Default 5. */
  maxConnections?: number;
  /**
   * Bytes of appends waiting to be written, beyond which `append` rejects at once with
   * {@link StoreOverloadedError}: while the database is down, appends are held and retried, and
   * this bounds the memory they hold. Default 64 MiB.
   */
  maxPendingBytes?: number;
  /**
   * How long a batch is retried after its first failure before its appends reject. Default 30 s:
   * a database restart or failover fits, and a server shutting down during an outage still
   * exits (its clients keep their unsaved changes and send them again on reconnect).
   */
  retryForMs?: number;
  /** How often the store checks that the database answers while nothing else tells it. Default 5 s. */
  healthCheckIntervalMs?: number;
  /** Called before each retry of a batch the database did not take (`attempt` counts from 1), e.g. to log or count it. */
  onRetry?: (error: unknown, attempt: number) => void;
}

/** Rejects an append when more than `maxPendingBytes` wait to be written (the database is down or slow). */
export class StoreOverloadedError extends Error {
  constructor(readonly pendingBytes: number) {
    super(`${pendingBytes} bytes of updates are waiting for the database; refusing more`);
    this.name = 'StoreOverloadedError';
  }
}

/**
 * Connects to the database at `connectionString` (e.g. `postgresql://user:pass@host:5432/db`),
 * creates or migrates Tandem's tables, and resolves with a store over them.
 *
 * @example
 * const store = await openPostgresStore(process.env.DATABASE_URL);
 * const server = await createTandemServer({ store });
 */
export async function openPostgresStore(connectionString: string, options: PostgresStoreOptions = {}): Promise<DocumentStore> {
  const pool = new Pool({
    connectionString,
    max: options.maxConnections ?? 5,
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
  });
  const store = new PostgresStore(pool, options);
  try {
    await store.open();
  } catch (error) {
    await pool.end();
    throw error;
  }
  return store;
}

/** One store call waiting for the next batch. */
type Operation = { type: 'append'; name: string; update: Uint8Array } | { type: 'delete'; name: string };

/** A run of a batch that is written by one statement or transaction. */
type Segment = { type: 'append'; names: string[]; updates: Uint8Array[] } | { type: 'delete'; name: string };

/** A document's counters as stored. */
interface Counters {
  name: string;
  bytes: number;
  updates: number;
  compacted_bytes: number;
}

/** One row of a log. `seq` is a bigint, kept as the string pg gives. */
interface LogRow {
  seq: string;
  data: Uint8Array;
}

/** A log already read and merged (by `load`), for a compaction to write back. */
interface MergedLog {
  rows: readonly LogRow[];
  update: Uint8Array;
}

const APPEND = `
  WITH appended AS (
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
  RETURNING name, bytes::float8 AS bytes, updates::float8 AS updates, compacted_bytes::float8 AS compacted_bytes`;
const READ_LOG = 'SELECT seq, data FROM tandem_updates WHERE name = $1 ORDER BY seq';
const INFO_COLUMNS = `name, bytes::float8 AS bytes, updates::float8 AS updates,
  floor(extract(epoch FROM updated_at) * 1000)::float8 AS "updatedAt"`;

class PostgresStore implements DocumentStore {
  readonly #pool: Pool;
  readonly #health: DatabaseHealth;
  readonly #onError: (error: unknown, document: string) => void;
  readonly #onBatch: ((batch: BatchStats) => void) | undefined;
  readonly #compactAfterUpdates: number;
  readonly #compactAfterBytes: number;
  readonly #maxPendingBytes: number;
  readonly #retryForMs: number;
  readonly #onRetry: ((error: unknown, attempt: number) => void) | undefined;
  readonly #writes = new GroupCommit<Operation>((operations) => this.#commit(operations));
  /** The compactions this instance runs. */
  readonly #compactions = new CompactionRuns();
  /**
   * The counters when a background compaction of a document last failed on its content: the
   * next waits for the log to grow by a threshold again, so a log that cannot be merged is not
   * re-read on every append.
   */
  readonly #failedAt = new Map<string, Counters>();
  #pendingBytes = 0;
  readonly #lifecycle = new StoreLifecycle();

  constructor(pool: Pool, options: PostgresStoreOptions) {
    this.#pool = pool;
    this.#onError = options.onError ?? warnCompactionFailed;
    this.#onBatch = options.onBatch;
    this.#compactAfterUpdates = options.compactAfterUpdates ?? 500;
    this.#compactAfterBytes = options.compactAfterBytes ?? 1024 * 1024;
    this.#maxPendingBytes = options.maxPendingBytes ?? 64 * 1024 * 1024;
    this.#retryForMs = options.retryForMs ?? 30_000;
    this.#onRetry = options.onRetry;
    this.#health = new DatabaseHealth(async () => {
      await this.#pool.query('SELECT 1');
    }, options.healthCheckIntervalMs ?? 5_000);
    // An idle connection that the server closed (restart, failover) reports here, not to a query.
    pool.on('error', () => this.#health.failed());
  }

  /** Migrates the schema, then starts watching the database's health. */
  async open(): Promise<void> {
    await this.#transaction(async (client) => {
      await migrate(client);
      return true;
    });
    this.#health.start();
  }

  health(): 'ok' | 'degraded' {
    return this.#health.state;
  }

  async load(name: string): Promise<Uint8Array | null> {
    this.#lifecycle.checkName(name);
    await this.#writes.settled();
    const rows = await this.#query<LogRow>(this.#pool, READ_LOG, [name]);
    const update = mergeLog(rows.map((row) => row.data));
    if (update === null) return null;
    // The merge is the expensive half of a compaction: when the log is due, write it back.
    if (rows.length > 1 && this.#logIsDue(name, rows)) this.#inBackground(name, null, this.#compaction(name, false, { rows, update }));
    return toUint8Array(update);
  }

  async append(name: string, update: Uint8Array): Promise<void> {
    this.#lifecycle.checkName(name);
    const size = update.byteLength;
    if (this.#pendingBytes + size > this.#maxPendingBytes) throw new StoreOverloadedError(this.#pendingBytes);
    this.#pendingBytes += size;
    try {
      await this.#writes.submit({ type: 'append', name, update });
    } finally {
      this.#pendingBytes -= size;
    }
  }

  async compact(name: string): Promise<void> {
    this.#lifecycle.checkName(name);
    // A background run reported its own failure; this one reports to its caller.
    await this.#compactions.get(name)?.catch(() => undefined);
    await this.#writes.settled();
    await this.#compactions.track(name, this.#compaction(name, true, null));
  }

  async info(name: string): Promise<DocumentInfo | null> {
    this.#lifecycle.checkName(name);
    const rows = await this.#query<DocumentInfo>(this.#pool, `SELECT ${INFO_COLUMNS} FROM tandem_documents WHERE name = $1`, [name]);
    return rows[0] ?? null;
  }

  async list(): Promise<DocumentInfo[]> {
    this.#lifecycle.checkOpen();
    return this.#query<DocumentInfo>(this.#pool, `SELECT ${INFO_COLUMNS} FROM tandem_documents ORDER BY name COLLATE "C"`);
  }

  async delete(name: string): Promise<void> {
    this.#lifecycle.checkName(name);
    return this.#writes.submit({ type: 'delete', name });
  }

  close(): Promise<void> {
    return this.#lifecycle.close([this.#compactions, this.#writes], async () => {
      this.#health.close();
      await this.#pool.end();
    });
  }

  /** Writes one tick's operations, retrying what failed for want of the database. */
  async #commit(operations: readonly Operation[]): Promise<void> {
    const started = performance.now();
    const segments = segment(operations);
    const counters: Counters[] = [];
    let firstFailure: number | null = null;
    let attempt = 0;
    // Each segment commits on its own, so a retry resumes at the one that failed.
    for (let done = 0; done < segments.length; ) {
      try {
        counters.push(...(await this.#write(segments[done] as Segment)));
        done++;
      } catch (error) {
        firstFailure ??= Date.now();
        if (!isRetryable(error) || Date.now() - firstFailure >= this.#retryForMs) throw error;
        await backOff(attempt++);
        this.#onRetry?.(error, attempt);
      }
    }
    let appends = 0;
    let bytes = 0;
    for (const op of operations) {
      if (op.type !== 'append') continue;
      appends++;
      bytes += op.update.byteLength;
    }
    this.#onBatch?.({ appends, bytes, durationMs: performance.now() - started });
    for (const stored of counters) this.#compactIfDue(stored);
  }

  async #write(segment: Segment): Promise<Counters[]> {
    switch (segment.type) {
      case 'append':
        return this.#query<Counters>(this.#pool, APPEND, [segment.names, segment.updates]);
      case 'delete':
        this.#failedAt.delete(segment.name);
        await this.#transaction(async (client) => {
          await this.#query(client, 'DELETE FROM tandem_documents WHERE name = $1', [segment.name]);
          await this.#query(client, 'DELETE FROM tandem_updates WHERE name = $1', [segment.name]);
          return true;
        });
        return [];
    }
  }

  #compactIfDue(stored: Counters): void {
    const { name } = stored;
    if (!this.#lifecycle.isOpen || this.#compactions.get(name)) return;
    let failed = this.#failedAt.get(name);
    // Another instance compacted since: the failure is history.
    if (failed && stored.updates < failed.updates) {
      this.#failedAt.delete(name);
      failed = undefined;
    }
    const newUpdates = stored.updates - (failed ? failed.updates : stored.compacted_bytes > 0 ? 1 : 0);
    const newBytes = stored.bytes - (failed ? failed.bytes : stored.compacted_bytes);
    if (newUpdates >= this.#compactAfterUpdates || newBytes >= this.#compactAfterBytes) {
      this.#inBackground(name, stored, this.#compaction(name, false, null));
    }
  }

  /** Whether a log `load` read is due for compaction, counting its first row as merged state. */
  #logIsDue(name: string, rows: readonly LogRow[]): boolean {
    if (!this.#lifecycle.isOpen || this.#compactions.get(name) || this.#failedAt.has(name)) return false;
    let newBytes = 0;
    for (let i = 1; i < rows.length; i++) newBytes += (rows[i] as LogRow).data.byteLength;
    return rows.length - 1 >= this.#compactAfterUpdates || newBytes >= this.#compactAfterBytes;
  }

  /**
   * Merges the log of `name` into one row. `wait`: wait for a compaction another instance runs
   * (an explicit call), or leave the document to it (a background one). `merged`: the log as
   * `load` read and merged it, written back if no row of it changed since.
   */
  async #compaction(name: string, wait: boolean, merged: MergedLog | null): Promise<void> {
    await this.#transaction(async (client) => {
      const lock = wait ? 'pg_advisory_xact_lock' : 'pg_try_advisory_xact_lock';
      const [locked] = await this.#query<{ locked: boolean | '' }>(
        client,
        `SELECT ${lock}($1, hashtext($2)) AS locked`,
        [COMPACTION_LOCK_CLASS, name],
      );
      // pg_advisory_xact_lock returns void, which pg reads as ''.
      if (locked?.locked === false) return false;
      let log = merged;
      if (log === null) {
        const rows = await this.#query<LogRow>(client, READ_LOG, [name]);
        const update = mergeLog(rows.map((row) => row.data));
        if (update === null || rows.length < 2) return false;
        log = { rows, update };
      }
      return this.#replaceLog(client, name, log);
    });
  }

  /** Replaces the rows of `log` by its merge; false (roll back) if any of them changed meanwhile. */
  async #replaceLog(client: PoolClient, name: string, { rows, update }: MergedLog): Promise<boolean> {
    const kept = rows[rows.length - 1] as LogRow;
    const removed = rows.slice(0, -1).map((row) => row.seq);
    let mergedBytes = 0;
    for (const row of rows) mergedBytes += row.data.byteLength;
    const counters = await this.#query(client, 'SELECT 1 FROM tandem_documents WHERE name = $1 FOR UPDATE', [name]);
    if (counters.length === 0) return false;
    // The merge takes the place of the newest row it replaces, so rows appended meanwhile stay after it.
    const rewritten = await this.#count(client, 'UPDATE tandem_updates SET data = $3 WHERE name = $1 AND seq = $2', [name, kept.seq, update]);
    if (rewritten !== 1) return false;
    const deleted = await this.#count(client, 'DELETE FROM tandem_updates WHERE name = $1 AND seq = ANY($2::bigint[])', [name, removed]);
    if (deleted !== removed.length) return false;
    await this.#query(
      client,
      `UPDATE tandem_documents
         SET bytes = bytes - $2 + $3, updates = updates - $4 + 1, compacted_bytes = $3, updated_at = now()
       WHERE name = $1`,
      [name, mergedBytes, update.byteLength, rows.length],
    );
    this.#failedAt.delete(name);
    return true;
  }

  /**
   * Tracks a compaction nobody awaits; its failure goes to onError. A failure of the merge
   * itself (a log Yjs cannot read) defers the next try until the log grew from `trigger` by a
   * threshold; a failure to reach the database does not, the next batch tries again.
   */
  #inBackground(name: string, trigger: Counters | null, compaction: Promise<void>): void {
    const reported = compaction.catch((error: unknown) => {
      if (trigger && !isRetryable(error)) this.#failedAt.set(name, trigger);
      this.#onError(error, name);
    });
    void this.#compactions.track(name, reported);
  }

  /** Runs `work` in a transaction on one connection; commits if it returns true, else rolls back. */
  async #transaction(work: (client: PoolClient) => Promise<boolean>): Promise<void> {
    const client = await this.#connect();
    let broken: Error | undefined;
    try {
      await this.#query(client, 'BEGIN');
      const commit = await work(client);
      await this.#query(client, commit ? 'COMMIT' : 'ROLLBACK');
    } catch (error) {
      if (isRetryable(error)) {
        // The connection is unusable; dropping it makes the server roll the transaction back.
        broken = error instanceof Error ? error : new Error(String(error));
      } else {
        await this.#query(client, 'ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async #connect(): Promise<PoolClient> {
    try {
      const client = await this.#pool.connect();
      this.#health.succeeded();
      return client;
    } catch (error) {
      this.#noteFailure(error);
      throw error;
    }
  }

  /** Runs one statement and returns its rows, telling the health monitor how it went. */
  async #query<R extends QueryResultRow>(on: Pool | PoolClient, text: string, values?: unknown[]): Promise<R[]> {
    return (await this.#result<R>(on, text, values)).rows;
  }

  /** Runs one statement and returns how many rows it changed. */
  async #count(on: PoolClient, text: string, values: unknown[]): Promise<number> {
    return (await this.#result(on, text, values)).rowCount ?? 0;
  }

  async #result<R extends QueryResultRow>(on: Pool | PoolClient, text: string, values?: unknown[]) {
    try {
      const result = await on.query<R>(text, values);
      this.#health.succeeded();
      return result;
    } catch (error) {
      this.#noteFailure(error);
      throw error;
    }
  }

  #noteFailure(error: unknown): void {
    classify(error);
    if (isRetryable(error)) this.#health.failed();
  }
}

/** Splits a batch into runs of appends and single deletes, keeping their order. */
function segment(operations: readonly Operation[]): Segment[] {
  const segments: Segment[] = [];
  let appends: Extract<Segment, { type: 'append' }> | null = null;
  for (const op of operations) {
    if (op.type === 'delete') {
      segments.push(op);
      appends = null;
      continue;
    }
    if (!appends) segments.push((appends = { type: 'append', names: [], updates: [] }));
    appends.names.push(op.name);
    appends.updates.push(op.update);
  }
  return segments;
}

/**
 * SQLSTATE classes that mean "try again": connection exceptions (08), insufficient resources
 * (53), the server shutting down or starting (57P01-57P03), and transactions aborted by a
 * serialization failure or deadlock (40001, 40P01), which commit nothing.
 */
const RETRYABLE_STATE = /^(08|53|57P0[123]|40001|40P01)/;

/** Errors of database calls that failed for want of the database, not because it refused the statement. */
const unreachable = new WeakSet<object>();

/**
 * Files an error a database call threw. Errors the server sends carry a SQLSTATE; those from
 * pg without one come from the socket (refused, reset, cut off), so a retry may succeed.
 */
function classify(error: unknown): void {
  const retryable = error instanceof DatabaseError ? RETRYABLE_STATE.test(error.code ?? '') : true;
  if (retryable && typeof error === 'object' && error !== null) unreachable.add(error);
}

/** Whether `error` came from a database call that could not reach the database. */
function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && unreachable.has(error);
}

/** A plain view of a pg Buffer, so callers compare and copy it as any other update. */
function toUint8Array(bytes: Uint8Array): Uint8Array {
  return bytes instanceof Buffer ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
}
