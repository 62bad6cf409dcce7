/**
 * The seam under the log store: the few primitive reads and one atomic write that a storage
 * engine must offer. Group commit, sequence numbers, metadata and compaction live above it in
 * log-store.ts, so the memory and LevelDB stores share every rule and differ only in where the
 * bytes go.
 */

/** The per-document record kept beside the log, so `info` and `list` never read the log. */
export interface DocumentMeta {
  /** The sequence number the next append of this document will get. */
  nextSeq: number;
  /** Bytes of update data in the log, merged state included. */
  bytes: number;
  /** Entries in the log, merged state included. */
  updates: number;
  /** When the last append or compaction was written (ms since epoch). */
  updatedAt: number;
  /** Size of the merged state the last compaction wrote, 0 if none: the rest of `bytes` is new. */
  compactedBytes: number;
}

/** One stored update and its place in the document's log. */
export interface LogEntry {
  seq: number;
  update: Uint8Array;
}

/** One change inside an atomic write; a write applies its changes in order. */
export type LogWrite =
  | { type: 'put'; name: string; seq: number; update: Uint8Array }
  | { type: 'del'; name: string; seq: number }
  | { type: 'meta'; name: string; meta: DocumentMeta | null }
  /** When `name` was deleted; null removes the tombstone (something is stored under it again). */
  | { type: 'tombstone'; name: string; deletedAt: number | null };

/** A storage engine holding per-document logs and metadata records. */
export interface LogBackend {
  /** The log of `name`, ordered by sequence number, read from one consistent snapshot. */
  readLog(name: string): Promise<LogEntry[]>;
  /** The sequence numbers stored for `name`, without reading the updates. */
  readSeqs(name: string): Promise<number[]>;
  /** Applies `writes` in order, all or nothing. */
  write(writes: readonly LogWrite[]): Promise<void>;
  /**
   * Makes the engine take writes again after one failed (a full disk that has room again): repairs
   * what the failure left (LevelDB reopens and replays its journal) and proves it with a write.
   * Rejects while it still cannot; never called while another call is running on the engine.
   */
  recover(): Promise<void>;
  /** Registers who hears of a write that failed in the background, with no caller to reject. */
  watchFailures?(listener: (error: unknown) => void): void;
  /** Releases the engine; called once, after the last write. */
  close(): Promise<void>;
}
