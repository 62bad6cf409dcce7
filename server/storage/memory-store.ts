/**
 * The memory store: the log store's rules over in-memory maps, for tests and ephemeral servers.
 * Appends are group-committed per tick exactly as with LevelDB, so code tested against it sees
 * the same timing.
 */
import type { LogBackend, LogEntry, LogWrite } from './log-backend.js';
import { createLogStore, type LogStoreOptions } from './log-store.js';
import type { DocumentStore } from './store.js';

/**
 * A store that keeps everything in this process's memory and forgets it on exit.
 *
 * @example
 * const server = await createTandemServer({ store: createMemoryStore() });
 */
export function createMemoryStore(options?: LogStoreOptions): DocumentStore {
  return createLogStore(new MemoryBackend(), new Map(), options);
}

class MemoryBackend implements LogBackend {
  readonly #logs = new Map<string, Map<number, Uint8Array>>();

  async readLog(name: string): Promise<LogEntry[]> {
    const log = this.#logs.get(name) ?? new Map<number, Uint8Array>();
    return [...log].map(([seq, update]) => ({ seq, update })).sort((a, b) => a.seq - b.seq);
  }

  async readSeqs(name: string): Promise<number[]> {
    return [...(this.#logs.get(name)?.keys() ?? [])].sort((a, b) => a - b);
  }

  async write(writes: readonly LogWrite[]): Promise<void> {
    for (const write of writes) {
      switch (write.type) {
        case 'put': {
          let log = this.#logs.get(write.name);
          if (!log) this.#logs.set(write.name, (log = new Map()));
          // A copy, as a disk write would make: the caller's buffer may be reused.
          log.set(write.seq, write.update.slice());
          break;
        }
        case 'del': {
          const log = this.#logs.get(write.name);
          log?.delete(write.seq);
          if (log?.size === 0) this.#logs.delete(write.name);
          break;
        }
        case 'meta':
        case 'tombstone':
          // The log store keeps every record in memory already; nothing outlives the process.
          break;
      }
    }
  }

  async recover(): Promise<void> {}

  async close(): Promise<void> {}
}
