/**
 * Group commit: writes submitted together (in one synchronous run, such as the end-of-turn flush
 * of every room) reach storage in one batch, at most one batch is in flight, and every write
 * submitted while it is in flight joins the next group, which starts as soon as it lands.
 * Writes from many connections then cost one disk write per turn, batches land in the order
 * they were made, and a slow disk gets fewer, larger batches. A group starts without waiting
 * for the event loop to come round: that wait was a whole turn of latency on every edit.
 */

interface Group<W> {
  readonly writes: W[];
  readonly done: Promise<void>;
}

/** Collects writes into groups and hands each group, in order, to `commit`. */
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
    // A promise reaction: it runs once the current synchronous run has submitted its writes.
    this.#tail = this.#tail
      .then(() => {
        this.#open = null;
        return this.commit(writes);
      })
      .then(settle.resolve, settle.reject);
    return group;
  }
}
