/**
 * The room registry when the fan-out fails (a subscription that rejects frees the slot like any
 * failed load, so the join fails, the next join tries again, and an unload does not wait forever)
 * and when a document is deleted (a join during the delete waits for it, then is refused).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../shared/limits.js';
import type { FanOut } from '../../server/cluster/fanout.js';
import { createLogger } from '../../server/observability/logger.js';
import { createMetrics } from '../../server/observability/metrics.js';
import { DocumentDeletedError, RoomRegistry } from '../../server/rooms/registry.js';
import { createMemoryStore } from '../../server/storage/memory-store.js';
import { textUpdate } from '../helpers/text-docs.js';

/** A fan-out whose next `failures` subscriptions reject, as when Redis refuses a SUBSCRIBE. */
function failingFanOut(failures: number): FanOut {
  let left = failures;
  return {
    instanceId: 'test',
    ready: () => true,
    subscribe: () => (left-- > 0 ? Promise.reject(new Error('subscribe refused')) : Promise.resolve(null)),
    close: () => Promise.resolve(),
  };
}

describe('room registry', () => {
  const store = createMemoryStore();
  afterEach(async () => {
    for (const name of (await store.list()).map((info) => info.name)) await store.delete(name);
  });

  function registryWith(fanOut: FanOut, deletedDocumentTtlMs = 0): RoomRegistry {
    return new RoomRegistry({
      store,
      metrics: createMetrics(),
      logger: createLogger('silent'),
      limits: DEFAULT_LIMITS,
      unloadGraceMs: 0,
      fanOut,
      deletedDocumentTtlMs,
    });
  }

  it('makes a join that arrives while a document is deleted wait for the delete, then refuses it', async () => {
    await store.append('doc', textUpdate('deleted content'));
    const registry = registryWith(failingFanOut(0), 60_000);
    await registry.acquire('doc');
    const deleted = registry.unloadNow('doc', () => store.delete('doc'));
    const join = registry.acquire('doc');
    await expect(join).rejects.toBeInstanceOf(DocumentDeletedError);
    await deleted;
    expect(await store.load('doc')).toBeNull();
    expect(registry.size).toBe(0);
    await store.append('doc', textUpdate('created again'));
    expect(await registry.recentlyDeleted('doc')).toBe(false);
    await registry.acquire('doc');
    await registry.close();
  });

  it('a rejected fan-out subscription fails the join and frees the slot, so the next join loads the room', async () => {
    const registry = registryWith(failingFanOut(1));
    await expect(registry.acquire('doc')).rejects.toThrow('subscribe refused');
    expect(registry.has('doc')).toBe(false);
    const room = await registry.acquire('doc');
    expect(room.name).toBe('doc');
    await registry.unloadNow('doc');
    expect(registry.size).toBe(0);
  });

  it('an unload during a subscription that rejects resolves instead of spinning', async () => {
    const registry = registryWith(failingFanOut(1));
    const joined = registry.acquire('doc').catch((error: unknown) => error);
    await registry.unloadNow('doc');
    expect(await joined).toBeInstanceOf(Error);
    expect(registry.size).toBe(0);
    await registry.close();
  });
});
