import { setImmediate } from 'node:timers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GroupCommit } from '../../server/storage/group-commit.js';
import { waitFor } from '../helpers/wait-for.js';

/** Lets the event loop run one full turn, so the next submit lands in a later tick. */
function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('group commit', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('commits the writes of one tick as one group, in submission order', async () => {
    const groups: number[][] = [];
    const commit = new GroupCommit<number>(async (writes) => void groups.push(writes));
    await Promise.all([1, 2, 3].map((n) => commit.submit(n)));
    await Promise.all([commit.submit(4), commit.submit(5)]);
    expect(groups).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('gathers every write made while a batch is in flight into the next group', async () => {
    const groups: number[][] = [];
    let release!: () => void;
    const inFlight = new Promise<void>((resolve) => (release = resolve));
    const commit = new GroupCommit<number>(async (writes) => {
      groups.push(writes);
      if (groups.length === 1) await inFlight;
    });
    const first = commit.submit(1);
    await waitFor(() => groups.length === 1, { message: 'the first batch to start' });
    const later = [commit.submit(2)];
    await nextTick();
    later.push(commit.submit(3));
    await nextTick();
    later.push(commit.submit(4));
    expect(groups).toHaveLength(1);
    release();
    await Promise.all([first, ...later]);
    expect(groups).toEqual([[1], [2, 3, 4]]);
  });

  it('rejects every write of a failed group, and commits the groups after it', async () => {
    let calls = 0;
    const commit = new GroupCommit<string>(async () => {
      if (++calls === 1) throw new Error('disk full');
    });
    const failed = [commit.submit('a'), commit.submit('b')];
    for (const write of failed) await expect(write).rejects.toThrow('disk full');
    await expect(commit.submit('c')).resolves.toBeUndefined();
  });

  it('settles once everything submitted before has been written or has failed', async () => {
    const written: string[] = [];
    let fail: ((error: Error) => void) | undefined;
    const commit = new GroupCommit<string>(async (writes) => {
      if (writes.includes('bad')) await new Promise((_, reject) => (fail = reject));
      written.push(...writes);
    });
    const bad = commit.submit('bad').catch(() => 'failed');
    await waitFor(() => fail, { message: 'the failing batch to start' });
    void commit.submit('good');
    const settled = commit.settled();
    fail!(new Error('refused'));
    await settled;
    expect(await bad).toBe('failed');
    expect(written).toEqual(['good']);
  });

  it('keeps committing while a test fakes the clock', async () => {
    vi.useFakeTimers();
    const groups: number[][] = [];
    const commit = new GroupCommit<number>(async (writes) => void groups.push(writes));
    await commit.submit(1);
    expect(groups).toEqual([[1]]);
  });
});
