/**
 * Group commit: every write submitted during one tick of the event loop reaches storage in one
 * batch, and at most one batch is in flight. Writes from many connections then cost one disk
 * write per tick, and batches land in the order they were made. A group waiting behind a batch
 * in flight stays open until its turn, so a slow disk gets fewer, larger batches.
 */
import { setImmediate } from 'node:timers';

interface Group<W> {
  readonly writes: W[];
  readonly done: Promise<void>;
}

/** Collects writes per tick and hands each group, in order, to `commit`. */
export class GroupCommit<W> {
  #open: Group<W> | null = null;
  #tail: Promise<void> = Promise.resolve();

  /** `commit` writes one group atomically; its promise settles every write of the group. */
  constructor(private readonly commit: (writes: W[]) => Promise<void>) {}

  /** Adds `write` to the current group; resolves when the group is written, rejects if it failed. */
  submit(write: W): Promise<void> {
    const group = this.#open ?? this.#openGroup();
    group.writes.push(write);
    return group.done;
  }

  /** Resolves once everything submitted so far has been written or has failed. */
  settled(): Promise<void> {
    return this.#tail;
  }

  #openGroup(): Group<W> {
    const writes: W[] = [];
    let settle!: { resolve: () => void; reject: (error: unknown) => void };
    const done = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const group: Group<W> = { writes, done };
    this.#open = group;
    // setImmediate runs after the poll phase, so messages that arrived together from many
    // sockets share one batch. It comes from node:timers so that fake timers in tests, which
    // replace the global, never stall storage.
    this.#tail = this.#tail
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => {
        this.#open = null;
        return this.commit(writes);
      })
      .then(settle.resolve, settle.reject);
    return group;
  }
}
