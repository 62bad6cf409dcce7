/**
 * The PostgreSQL store, for cluster mode: several Tandem instances share one database and may
 * append to and compact the same document at once. The only file that imports `pg`: it owns
 * the connections, group commit, retries, health and the schedule of compactions; the
 * statements, and why they are safe together, are in postgres-log.ts.
 *
 * Nothing about a document lives only in this process: counters are read from the database,
 * and this instance keeps no more than the schedule of its own compactions.
 */
import { DatabaseError, Pool, type PoolClient } from 'pg';
import { CompactionRuns } from './compaction-runs.js';
import { GroupCommit } from './group-commit.js';
import { warnCompactionFailed, type BatchStats, type LogStoreOptions } from './log-store.js';
import { mergeLogForLoad } from '../yjs/merge-log.js';
import { writeBatch, type BatchDatabase, type Operation, type RetryPolicy } from './postgres-batch.js';
import { HealthMonitor } from './store-health.js';
import { compactLog, listInfos, readDeletedAt, readInfo, readLog, type Counters, type LogRow } from './postgres-log.js';
import { migrate, type SqlResult, type SqlSession } from './postgres-schema.js';
import type { DocumentInfo, DocumentStore, StoreHealth } from './store.js';
import { createPostgresVersionBackend } from './postgres-versions.js';
import { createVersionStore, type VersionStore } from './versions.js';
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
 * const store = await openPostgresStore('postgresql://tandem@db.internal:5432/tandem');
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

class PostgresStore implements DocumentStore {
  readonly #pool: Pool;
  readonly #health: HealthMonitor;
  readonly #onError: (error: unknown, document: string) => void;
  readonly #onBatch: ((batch: BatchStats) => void) | undefined;
  readonly #compactAfterUpdates: number;
  readonly #compactAfterBytes: number;
  readonly #maxPendingBytes: number;
  readonly #retry: RetryPolicy;
  readonly #writes = new GroupCommit<Operation>((operations) => this.#commit(operations));
  /** The compactions this instance runs. */
  readonly #compactions = new CompactionRuns();
  /**
   * The counters when a background compaction of a document last failed on its content: the
   * next waits for the log to grow by a threshold again, so a log that cannot be merged is not
   * re-read on every append.
   */
  readonly #failedAt = new Map<string, Counters>();
  /** Statements that need no transaction, each on whichever pooled connection is free. */
  readonly #shared: SqlSession;
  readonly #database: BatchDatabase;
  #pendingBytes = 0;
  readonly #lifecycle = new StoreLifecycle();
  readonly versions: VersionStore;

  constructor(pool: Pool, options: PostgresStoreOptions) {
    this.#pool = pool;
    this.#onError = options.onError ?? warnCompactionFailed;
    this.#onBatch = options.onBatch;
    this.#compactAfterUpdates = options.compactAfterUpdates ?? 500;
    this.#compactAfterBytes = options.compactAfterBytes ?? 1024 * 1024;
    this.#maxPendingBytes = options.maxPendingBytes ?? 64 * 1024 * 1024;
    this.#retry = { retryForMs: options.retryForMs ?? 30_000, onRetry: options.onRetry };
    this.#health = new HealthMonitor({
      probe: async () => {
        await this.#pool.query('SELECT 1');
      },
      intervalMs: options.healthCheckIntervalMs ?? 5_000,
      onChange: options.onHealth,
    });
    this.#shared = this.#session(pool);
    this.versions = createVersionStore(createPostgresVersionBackend(this.#shared), options, (name) => this.#lifecycle.checkName(name));
    this.#database = {
      shared: this.#shared,
      transaction: (work) => this.#transaction(work),
      isRetryable,
    };
    // An idle connection that the server closed (restart, failover) reports here, not to a query.
    pool.on('error', (error) => this.#health.failed(error));
  }

  /** Migrates the schema, then starts watching the database's health. */
  async open(): Promise<void> {
    await this.#transaction(async (session) => {
      await migrate(session);
      return true;
    });
    this.#health.start();
  }

  health(): StoreHealth {
    return this.#health.health;
  }

  async load(name: string): Promise<Uint8Array | null> {
    this.#lifecycle.checkName(name);
    await this.#writes.settled();
    let rows: LogRow[];
    try {
      rows = await readLog(this.#shared, name);
    } catch (error) {
      // Out of reach (the health is failing now): a StoreFailingError tells the client to come back later.
      if (isRetryable(error)) this.#health.check();
      throw error;
    }
    const update = mergeLogForLoad(rows.map((row) => row.data));
    if (update === null) return null;
    // A log that is due is compacted once the load's readers were served (COMPACT_AFTER_LOAD_MS):
    // the compaction's merge is the slow, small one.
    if (rows.length > 1 && this.#logIsDue(name, rows)) {
      this.#compactions.planAfterLoad(() => {
        if (this.#lifecycle.isOpen && !this.#compactions.get(name)) this.#inBackground(name, null, this.#compaction(name, false));
      });
    }
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
    await this.#compactions.track(name, this.#compaction(name, true));
  }

  async info(name: string): Promise<DocumentInfo | null> {
    this.#lifecycle.checkName(name);
    return readInfo(this.#shared, name);
  }

  async list(): Promise<DocumentInfo[]> {
    this.#lifecycle.checkOpen();
    return listInfos(this.#shared);
  }

  async delete(name: string): Promise<void> {
    this.#lifecycle.checkName(name);
    await this.#writes.submit({ type: 'delete', name });
    await this.versions.removeAll(name);
  }

  async deletedAt(name: string): Promise<number | null> {
    this.#lifecycle.checkName(name);
    await this.#writes.settled();
    return readDeletedAt(this.#shared, name);
  }

  close(): Promise<void> {
    this.#compactions.cancelPlanned();
    return this.#lifecycle.close([this.#compactions, this.#writes], async () => {
      this.#health.close();
      await this.#pool.end();
    });
  }

  /** Writes one tick's operations, retrying what failed for want of the database. */
  async #commit(operations: readonly Operation[]): Promise<void> {
    const started = performance.now();
    const counters = await writeBatch(this.#database, operations, this.#retry);
    let appends = 0;
    let bytes = 0;
    for (const op of operations) {
      if (op.type === 'delete') {
        this.#failedAt.delete(op.name);
        continue;
      }
      appends++;
      bytes += op.update.byteLength;
    }
    this.#onBatch?.({ appends, bytes, durationMs: performance.now() - started });
    for (const stored of counters) this.#compactIfDue(stored);
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
    const newUpdates = stored.updates - (failed ? failed.updates : stored.compactedBytes > 0 ? 1 : 0);
    const newBytes = stored.bytes - (failed ? failed.bytes : stored.compactedBytes);
    if (newUpdates >= this.#compactAfterUpdates || newBytes >= this.#compactAfterBytes) {
      this.#inBackground(name, stored, this.#compaction(name, false));
    }
  }

  /** Whether a log `load` read is due for compaction, counting its first row as merged state. */
  #logIsDue(name: string, rows: readonly LogRow[]): boolean {
    if (!this.#lifecycle.isOpen || this.#compactions.get(name) || this.#failedAt.has(name)) return false;
    let newBytes = 0;
    for (let i = 1; i < rows.length; i++) newBytes += (rows[i] as LogRow).data.byteLength;
    return rows.length - 1 >= this.#compactAfterUpdates || newBytes >= this.#compactAfterBytes;
  }

  /** Merges the log of `name` into one row (see {@link compactLog} for `wait`). */
  async #compaction(name: string, wait: boolean): Promise<void> {
    let compacted = false;
    await this.#transaction(async (session) => (compacted = await compactLog(session, name, wait)));
    if (compacted) this.#failedAt.delete(name);
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

  /** Runs `work` in a transaction on one connection; commits if it resolves true, else rolls back. */
  async #transaction(work: (session: SqlSession) => Promise<boolean>): Promise<void> {
    const client = await this.#connect();
    const session = this.#session(client);
    let broken: Error | undefined;
    try {
      await session.query('BEGIN');
      const commit = await work(session);
      await session.query(commit ? 'COMMIT' : 'ROLLBACK');
    } catch (error) {
      if (isRetryable(error)) {
        // The connection is unusable; dropping it makes the server roll the transaction back.
        broken = error instanceof Error ? error : new Error(String(error));
      } else {
        await session.query('ROLLBACK').catch((rollbackError: unknown) => {
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

  /** Statements on `on` (the pool, or one connection), telling the health monitor how each went. */
  #session(on: Pool | PoolClient): SqlSession {
    return {
      query: async <R>(text: string, values?: unknown[]): Promise<SqlResult<R>> => {
        try {
          const result = await on.query(text, values);
          this.#health.succeeded();
          return result;
        } catch (error) {
          this.#noteFailure(error);
          throw error;
        }
      },
    };
  }

  #noteFailure(error: unknown): void {
    classify(error);
    if (isRetryable(error)) this.#health.failed(error);
  }
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
