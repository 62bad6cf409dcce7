/**
 * The LevelDB store, Tandem's default: the log store's rules over an embedded LevelDB folder.
 * The only file that imports `level`.
 */
import { mkdir } from 'node:fs/promises';
import { Level } from 'level';
import type { DocumentMeta, LogBackend, LogEntry, LogWrite } from './log-backend.js';
import {
  decodeLogSeq,
  decodeMeta,
  decodeMetaKey,
  encodeLogKey,
  encodeMeta,
  encodeMetaKey,
  logRange,
  metaRange,
} from './leveldb-records.js';
import { createLogStore, type LogStoreOptions } from './log-store.js';
import { StoreLockedError, type DocumentStore } from './store.js';

/** Options of {@link openLevelDbStore}. */
export interface LevelDbStoreOptions extends LogStoreOptions {
  /**
   * Whether each batch waits for fsync before its appends resolve. Default false: a resolved
   * append is in LevelDB's write-ahead log in the OS page cache, which survives the process being
   * killed (kill -9, a crash) but not the machine losing power or the kernel crashing; then the
   * last batches written before it may be lost. True closes that gap at the cost of one fsync
   * per batch (a few milliseconds on SSDs, far more on spinning or network disks), which the
   * group commit spreads over every append of the tick.
   */
  syncWrites?: boolean;
}

type Db = Level<Uint8Array, Uint8Array>;

/**
 * Opens (creating if needed) the LevelDB store in `dir`. Rejects with {@link StoreLockedError}
 * when another process, or another store in this one, has the folder open.
 *
 * @example
 * const store = await openLevelDbStore('./data');
 * await store.append('notes', update);
 * await store.close();
 */
export async function openLevelDbStore(dir: string, options: LevelDbStoreOptions = {}): Promise<DocumentStore> {
  await mkdir(dir, { recursive: true });
  const db: Db = new Level(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  try {
    await db.open();
  } catch (error) {
    if (hasCode(error, 'LEVEL_LOCKED')) throw new StoreLockedError(dir, { cause: error });
    throw error;
  }
  try {
    return createLogStore(new LevelDbBackend(db, options.syncWrites ?? false), await readMetas(db), options);
  } catch (error) {
    await db.close();
    throw error;
  }
}

async function readMetas(db: Db): Promise<Map<string, DocumentMeta>> {
  const metas = new Map<string, DocumentMeta>();
  for (const [key, value] of await db.iterator(metaRange).all()) metas.set(decodeMetaKey(key), decodeMeta(value));
  return metas;
}

function hasCode(error: unknown, code: string): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if ((cause as Error & { code?: unknown }).code === code) return true;
  }
  return false;
}

class LevelDbBackend implements LogBackend {
  constructor(
    private readonly db: Db,
    private readonly sync: boolean,
  ) {}

  async readLog(name: string): Promise<LogEntry[]> {
    const entries = await this.db.iterator(logRange(name)).all();
    return entries.map(([key, update]) => ({ seq: decodeLogSeq(key), update }));
  }

  async readSeqs(name: string): Promise<number[]> {
    const keys = await this.db.keys(logRange(name)).all();
    return keys.map(decodeLogSeq);
  }

  write(writes: readonly LogWrite[]): Promise<void> {
    const batch = this.db.batch();
    for (const write of writes) {
      switch (write.type) {
        case 'put':
          batch.put(encodeLogKey(write.name, write.seq), write.update);
          break;
        case 'del':
          batch.del(encodeLogKey(write.name, write.seq));
          break;
        case 'meta':
          if (write.meta) batch.put(encodeMetaKey(write.name), encodeMeta(write.meta));
          else batch.del(encodeMetaKey(write.name));
          break;
      }
    }
    return batch.write({ sync: this.sync });
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
