/**
 * Writing one tick's appends and deletes to PostgreSQL, in the order they were made: each run of
 * appends is one statement, each delete one transaction. A part that fails for want of the
 * database is retried with backoff, resuming where the batch stopped, since the parts before it
 * are committed.
 */
import { backOff } from './store-health.js';
import { appendUpdates, deleteDocument, type Counters } from './postgres-log.js';
import type { SqlSession } from './postgres-schema.js';

/** One store call waiting for the next batch. */
export type Operation = { type: 'append'; name: string; update: Uint8Array } | { type: 'delete'; name: string };

/** A run of a batch written by one statement or transaction. */
type Part = { type: 'append'; names: string[]; updates: Uint8Array[] } | { type: 'delete'; name: string };

/** The database as a batch sees it. */
export interface BatchDatabase {
  /** Statements that need no transaction. */
  readonly shared: SqlSession;
  /** Runs `work` in a transaction; commits if it resolves true. */
  transaction(work: (session: SqlSession) => Promise<boolean>): Promise<void>;
  /** Whether `error`, thrown by a statement, means the database was out of reach (worth a retry). */
  isRetryable(error: unknown): boolean;
}

/** How long to keep trying. */
export interface RetryPolicy {
  /** Give up this long after the first failure. */
  retryForMs: number;
  /** Told before each retry; `attempt` counts from 1. */
  onRetry?: ((error: unknown, attempt: number) => void) | undefined;
}

/** Writes `operations` in order; resolves with the counters of every document appended to. */
export async function writeBatch(db: BatchDatabase, operations: readonly Operation[], policy: RetryPolicy): Promise<Counters[]> {
  const parts = split(operations);
  const counters: Counters[] = [];
  let firstFailure: number | null = null;
  let attempt = 0;
  for (let done = 0; done < parts.length; ) {
    try {
      counters.push(...(await writePart(db, parts[done] as Part)));
      done++;
    } catch (error) {
      firstFailure ??= Date.now();
      if (!db.isRetryable(error) || Date.now() - firstFailure >= policy.retryForMs) throw error;
      await backOff(attempt++);
      policy.onRetry?.(error, attempt);
    }
  }
  return counters;
}

async function writePart(db: BatchDatabase, part: Part): Promise<Counters[]> {
  switch (part.type) {
    case 'append':
      return appendUpdates(db.shared, part.names, part.updates);
    case 'delete':
      await db.transaction(async (session) => {
        await deleteDocument(session, part.name);
        return true;
      });
      return [];
  }
}

/** Splits a batch into runs of appends and single deletes, keeping their order. */
function split(operations: readonly Operation[]): Part[] {
  const parts: Part[] = [];
  let appends: Extract<Part, { type: 'append' }> | null = null;
  for (const op of operations) {
    if (op.type === 'delete') {
      parts.push(op);
      appends = null;
      continue;
    }
    if (!appends) parts.push((appends = { type: 'append', names: [], updates: [] }));
    appends.names.push(op.name);
    appends.updates.push(op.update);
  }
  return parts;
}
