/**
 * The compactions a store has running: at most one tracked per document, so a new one can wait
 * for the last, and all of them awaited when the store closes.
 */

/** Running compactions by document. */
export class CompactionRuns {
  readonly #byDocument = new Map<string, Promise<void>>();
  readonly #all = new Set<Promise<void>>();

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

  /** Resolves once every run tracked so far has settled, however it ended. */
  async settled(): Promise<void> {
    await Promise.allSettled(this.#all);
  }
}
