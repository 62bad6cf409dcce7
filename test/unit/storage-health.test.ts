/**
 * A log store whose engine refuses writes for a while (a full disk): it turns failing with the
 * engine's reason, refuses loads and writes with StoreFailingError instead of trying the engine,
 * retries the engine's recovery with backoff, and serves again by itself once that succeeds.
 */
import { describe, expect, it } from 'vitest';
import type { LogBackend, LogEntry, LogWrite } from '../../server/storage/log-backend.js';
import { createLogStore } from '../../server/storage/log-store.js';
import { StoreFailingError, type StoreHealth } from '../../server/storage/store.js';
import { textOf, textUpdate } from '../helpers/text-docs.js';
import { waitFor } from '../helpers/wait-for.js';

/** An in-memory engine that fails every write and recovery while `full` is set, as a full disk does. */
class FillingEngine implements LogBackend {
  full = false;
  recoveries = 0;
  readonly #logs = new Map<string, Map<number, Uint8Array>>();

  async readLog(name: string): Promise<LogEntry[]> {
    return [...(this.#logs.get(name) ?? [])].map(([seq, update]) => ({ seq, update }));
  }

  async readSeqs(name: string): Promise<number[]> {
    return [...(this.#logs.get(name)?.keys() ?? [])];
  }

  async write(writes: readonly LogWrite[]): Promise<void> {
    this.#refuseWhenFull();
    for (const write of writes) {
      const log = this.#logs.get(write.name) ?? new Map<number, Uint8Array>();
      this.#logs.set(write.name, log);
      if (write.type === 'put') log.set(write.seq, write.update);
      if (write.type === 'del') log.delete(write.seq);
    }
  }

  async recover(): Promise<void> {
    this.recoveries++;
    this.#refuseWhenFull();
  }

  async close(): Promise<void> {}

  #refuseWhenFull(): void {
    if (this.full) throw Object.assign(new Error('no space left on device, write'), { code: 'ENOSPC' });
  }
}

describe('store health', () => {
  it('turns failing on a refused write, refuses calls meanwhile, and heals by itself once the engine recovers', async () => {
    const engine = new FillingEngine();
    const changes: StoreHealth[] = [];
    const store = createLogStore(engine, new Map(), { onHealth: (health) => changes.push(health) });
    await store.append('doc', textUpdate('kept'));

    engine.full = true;
    await expect(store.append('doc', textUpdate('refused'))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(store.health()).toEqual({ state: 'failing', reason: 'ENOSPC: no space left on device, write' });
    await expect(store.load('doc')).rejects.toBeInstanceOf(StoreFailingError);
    await expect(store.append('doc', textUpdate('also refused'))).rejects.toBeInstanceOf(StoreFailingError);
    await expect(store.delete('doc')).rejects.toBeInstanceOf(StoreFailingError);
    await waitFor(() => engine.recoveries >= 2, { message: 'recovery retried while the disk is full' });
    expect(store.health().state).toBe('failing');

    engine.full = false;
    await waitFor(() => store.health().state === 'ok', { message: 'the store to heal' });
    await store.append('doc', textUpdate(' and more'));
    const stored = textOf(await store.load('doc'));
    expect(stored).toContain('kept');
    expect(stored).toContain(' and more');
    expect(stored).not.toContain('refused');
    expect(changes.map((health) => health.state)).toEqual(['failing', 'ok']);
    await store.close();
  });
});
