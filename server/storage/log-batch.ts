/**
 * Turning one tick's store operations into one atomic write: the log entries to put and delete,
 * and the metadata record each touched document ends up with.
 */
import type { DocumentMeta, LogEntry, LogWrite } from './log-backend.js';

/** One store call waiting for the next batch. */
export type LogOperation =
  | { type: 'append'; name: string; seq: number; update: Uint8Array }
  | { type: 'delete'; name: string }
  /** Replace the entries `merged` (read at `generation`) by `update`. */
  | { type: 'compact'; name: string; generation: number; merged: readonly LogEntry[]; update: Uint8Array };

/** What planning needs to know about documents as they are stored now. */
export interface StoredState {
  meta(name: string): DocumentMeta | null;
  /** When `name` was deleted, while its tombstone is kept; null otherwise. */
  deletedAt(name: string): number | null;
  /** Bumped whenever entries of `name` were removed: a compaction read at another one is stale. */
  generation(name: string): number;
  readSeqs(name: string): Promise<number[]>;
}

/** One batch, ready to write. */
export interface BatchPlan {
  writes: LogWrite[];
  /** The record of every touched document once the batch is written; null when it is gone. */
  metas: Map<string, DocumentMeta | null>;
  /** The tombstone of every document deleted or stored again, once the batch is written. */
  tombstones: Map<string, number | null>;
  /** Documents whose entries a compaction in this batch replaced. */
  compacted: Set<string>;
  /** Updates appended, and their bytes. */
  appends: number;
  bytes: number;
}

/** Plans `operations`, in order, against `stored`; `now` stamps every touched record. */
export async function planBatch(operations: readonly LogOperation[], stored: StoredState, now: number): Promise<BatchPlan> {
  const plan: BatchPlan = { writes: [], metas: new Map(), tombstones: new Map(), compacted: new Set(), appends: 0, bytes: 0 };
  const putSeqs = new Map<string, number[]>();
  for (const op of operations) {
    const { name } = op;
    const meta = plan.metas.has(name) ? (plan.metas.get(name) ?? null) : stored.meta(name);
    switch (op.type) {
      case 'append': {
        const size = op.update.byteLength;
        plan.writes.push({ type: 'put', name, seq: op.seq, update: op.update });
        const seqs = putSeqs.get(name);
        if (seqs) seqs.push(op.seq);
        else putSeqs.set(name, [op.seq]);
        plan.metas.set(name, {
          nextSeq: op.seq + 1,
          bytes: (meta?.bytes ?? 0) + size,
          updates: (meta?.updates ?? 0) + 1,
          updatedAt: now,
          compactedBytes: meta?.compactedBytes ?? 0,
        });
        plan.appends++;
        plan.bytes += size;
        // Stored again: the tombstone goes.
        const tombstoned = plan.tombstones.has(name) ? plan.tombstones.get(name) !== null : stored.deletedAt(name) !== null;
        if (tombstoned) plan.tombstones.set(name, null);
        break;
      }
      case 'delete': {
        // Nothing else writes while a batch is planned, so the stored keys cannot change under us.
        const seqs = [...(await stored.readSeqs(name)), ...(putSeqs.get(name) ?? [])];
        for (const seq of seqs) plan.writes.push({ type: 'del', name, seq });
        putSeqs.delete(name);
        plan.metas.set(name, null);
        plan.tombstones.set(name, now);
        break;
      }
      case 'compact': {
        const last = op.merged[op.merged.length - 1];
        const stale = stored.generation(name) !== op.generation || plan.compacted.has(name);
        if (!meta || !last || stale) break;
        plan.compacted.add(name);
        let mergedBytes = 0;
        for (const entry of op.merged) {
          mergedBytes += entry.update.byteLength;
          if (entry !== last) plan.writes.push({ type: 'del', name, seq: entry.seq });
        }
        // The merged state takes the place of the newest entry it replaces, so every append
        // made during the compaction keeps a higher sequence number.
        plan.writes.push({ type: 'put', name, seq: last.seq, update: op.update });
        plan.metas.set(name, {
          ...meta,
          bytes: meta.bytes - mergedBytes + op.update.byteLength,
          updates: meta.updates - op.merged.length + 1,
          updatedAt: now,
          compactedBytes: op.update.byteLength,
        });
        break;
      }
    }
  }
  for (const [name, meta] of plan.metas) plan.writes.push({ type: 'meta', name, meta });
  for (const [name, deletedAt] of plan.tombstones) plan.writes.push({ type: 'tombstone', name, deletedAt });
  return plan;
}
