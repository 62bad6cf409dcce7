/**
 * The compactions a store has running: at most one tracked per document, so a new one can wait
 * for the last, and all of them awaited when the store closes.
 */

/**
 * How long a compaction that a load found due waits. The load is for a reader: started at once,
 * the compaction's merge (300 ms of CPU for a log of 1,000 updates on a just-started server) ran
 * exactly while the server sent the document and, on a small machine, while the reader applied
 * it; the cold load of the `cold` benchmark took 1.35-2.24x the warm one with it, 0.70-0.95x
 * without. Nothing waits for it: the next load merely reads a longer log.
 */
export const COMPACT_AFTER_LOAD_MS = 2000;

/** Running compactions by document. */
export class CompactionRuns {
  readonly #byDocument = new Map<string, Promise<void>>();
  readonly #all = new Set<Promise<void>>();
  readonly #planned = new Set<NodeJS.Timeout>();

  /** The run tracked for `name`, if any. */
  get(name: string): Promise<void> | undefined {
    return this.#byDocument.get(name);
  }

  /** Tracks `run` as the compaction of `name` until it settles, and returns it. */
  track(name: string, run: Promise<void>): Promise<void> {
    this.#byDocument.set(name, run);
    this.#all.add(run);
    const clear = () => {
      if (this.#byDocument.get(name) === run) this.#byDocument.delete(name);
      this.#all.delete(run);
    };
    run.then(clear, clear);
    return run;
  }

  /**
   * Calls `start` {@link COMPACT_AFTER_LOAD_MS} from now, unless {@link cancelPlanned} comes
   * first; the wait never keeps the process alive.
   */
  planAfterLoad(start: () => void): void {
    const timer = setTimeout(() => {
      this.#planned.delete(timer);
      start();
    }, COMPACT_AFTER_LOAD_MS);
    timer.unref();
    this.#planned.add(timer);
  }

  /** Drops every start planned by {@link planAfterLoad} that has not come yet (the store closes). */
  cancelPlanned(): void {
    for (const timer of this.#planned) clearTimeout(timer);
    this.#planned.clear();
  }

  /** Resolves once every run tracked so far has settled, however it ended. */
  async settled(): Promise<void> {
    await Promise.allSettled(this.#all);
  }
}
