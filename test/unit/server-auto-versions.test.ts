/**
 * Automatic versions with fake timers: one per interval of editing, taken at its end with what was
 * written; one at once when the last connection leaves after changes; none without changes; a
 * version id per interval, so a second taker of the same moment replaces rather than adds.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from '../../server/storage/memory-store.js';
import type { DocumentStore } from '../../server/storage/store.js';
import type { VersionInfo } from '../../server/storage/versions.js';
import { AutoVersions } from '../../server/versions/auto-versions.js';
import { textOf, textUpdate } from '../helpers/text-docs.js';

const INTERVAL = 60_000;

describe('automatic versions', () => {
  let store: DocumentStore;
  let created: VersionInfo[];
  let failures: unknown[];
  let auto: AutoVersions;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 10 * INTERVAL + 5_000 });
    store = createMemoryStore();
    created = [];
    failures = [];
    auto = new AutoVersions(store, { intervalMs: INTERVAL, created: (_, version) => created.push(version), failed: (error) => failures.push(error) });
  });

  afterEach(async () => {
    await auto.close();
    await store.close();
    vi.useRealTimers();
  });

  async function write(text: string): Promise<void> {
    await store.append('doc', textUpdate(text));
    auto.changed('doc');
  }

  async function settle(): Promise<void> {
    await vi.waitFor(() => expect(created.length + failures.length).toBeGreaterThan(0));
  }

  it('takes one version per slice of the clock with edits, at its end, with everything written in it', async () => {
    // The clock stands 5 s into the slice that starts at 10 intervals.
    await write('a');
    vi.advanceTimersByTime(INTERVAL / 2);
    await write('b');
    expect(created).toEqual([]);
    vi.advanceTimersByTime(INTERVAL / 2 - 5_000);
    await settle();
    const versions = await store.versions.list('doc');
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ kind: 'auto', id: `auto-${10 * INTERVAL}`, createdAt: 11 * INTERVAL });
    const state = (await store.versions.get('doc', versions[0]?.id ?? ''))?.state ?? null;
    expect(textOf(state)?.length).toBe(2);
  });

  it('takes none while nothing changes', async () => {
    vi.advanceTimersByTime(5 * INTERVAL);
    await auto.close();
    expect(await store.versions.list('doc')).toEqual([]);
  });

  it('takes one at once when the last connection leaves after changes, and none when nothing changed since', async () => {
    await write('a');
    auto.idle('doc');
    await settle();
    expect(created).toHaveLength(1);
    auto.idle('doc');
    vi.advanceTimersByTime(2 * INTERVAL);
    await auto.close();
    expect(await store.versions.list('doc')).toHaveLength(1);
  });

  it('names a version by its interval, so a second taker of the same moment replaces it', async () => {
    await write('a');
    auto.idle('doc');
    await settle();
    await write('b');
    auto.idle('doc');
    await vi.waitFor(() => expect(created).toHaveLength(2));
    expect(created[0]?.id).toBe(created[1]?.id);
    expect(await store.versions.list('doc')).toHaveLength(1);
  });

  it('drops what was due for a deleted document', async () => {
    await write('a');
    auto.deleted('doc');
    vi.advanceTimersByTime(2 * INTERVAL);
    await auto.close();
    expect(await store.versions.list('doc')).toEqual([]);
  });
});
