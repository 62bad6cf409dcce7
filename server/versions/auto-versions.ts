/**
 * Automatic versions of documents being edited: at most one per interval of activity (the first
 * durable change after a quiet spell starts the interval; the version is taken at its end, with
 * what was written in it), and one as soon as the last connection leaves a document that changed
 * since its last version. A version's id is its interval's bucket (`auto-<start>`), so instances
 * of a cluster taking the version of the same moment write one version, not one each.
 */
import type { DocumentStore } from '../storage/store.js';
import type { VersionInfo } from '../storage/versions.js';

/** Default of the interval between automatic versions of one document (10 minutes). */
export const DEFAULT_VERSION_INTERVAL_MS = 10 * 60_000;

/** Options of {@link AutoVersions}. */
export interface AutoVersionsOptions {
  intervalMs: number;
  /** Told of each version taken (webhooks). */
  created?(name: string, version: VersionInfo): void;
  /** Told when taking a version failed (it is logged; the next change tries again). */
  failed(error: unknown, name: string): void;
}

/** The automatic versions of one server. */
export class AutoVersions {
  /** Documents changed since their last automatic version, with the timer of the next one. */
  private readonly dirty = new Map<string, NodeJS.Timeout>();
  private readonly taking = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly store: DocumentStore,
    private readonly options: AutoVersionsOptions,
  ) {}

  /** A durable change of `name`: the interval starts if it is not running. */
  changed(name: string): void {
    if (this.closed || this.dirty.has(name)) return;
    const timer = setTimeout(() => this.take(name), this.options.intervalMs);
    timer.unref();
    this.dirty.set(name, timer);
  }

  /** The last connection left `name`: a version now if it changed since the last. */
  idle(name: string): void {
    if (this.dirty.has(name)) this.take(name);
  }

  /** The document was deleted: nothing to take. */
  deleted(name: string): void {
    clearTimeout(this.dirty.get(name));
    this.dirty.delete(name);
  }

  /** Takes the versions still due, then stops. */
  async close(): Promise<void> {
    for (const name of [...this.dirty.keys()]) this.take(name);
    this.closed = true;
    await Promise.all(this.taking);
  }

  private take(name: string): void {
    clearTimeout(this.dirty.get(name));
    if (!this.dirty.delete(name)) return;
    const now = Date.now();
    const bucket = now - (now % this.options.intervalMs);
    const taken = this.store
      .load(name)
      .then(async (state) => {
        if (state === null) return;
        const version = await this.store.versions.save(name, state, { kind: 'auto', id: `auto-${bucket}`, createdAt: now });
        this.options.created?.(name, version);
      })
      .catch((error: unknown) => this.options.failed(error, name))
      .finally(() => this.taking.delete(taken));
    this.taking.add(taken);
  }
}
