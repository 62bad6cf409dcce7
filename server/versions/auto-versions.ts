/**
 * Automatic versions of documents being edited: at most one per interval of activity, and one as
 * soon as the last connection leaves a document that changed since its last version. Intervals are
 * fixed slices of the clock (multiples of the interval since the epoch): a document changed in a
 * slice gets its version when the slice ends, with what was written in it, and the version's id
 * names the slice (`auto-<start>`). So the instances of a cluster whose clients edited the same
 * document in the same slice write one version under one id, not one each.
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
  /** Documents changed since their last automatic version: the slice of that change, and the timer at its end. */
  private readonly dirty = new Map<string, { slice: number; timer: NodeJS.Timeout }>();
  private readonly taking = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly store: DocumentStore,
    private readonly options: AutoVersionsOptions,
  ) {}

  /** A durable change of `name`: its version is due when the current slice ends. */
  changed(name: string): void {
    if (this.closed || this.dirty.has(name)) return;
    const now = Date.now();
    const slice = now - (now % this.options.intervalMs);
    const timer = setTimeout(() => this.take(name), slice + this.options.intervalMs - now);
    timer.unref();
    this.dirty.set(name, { slice, timer });
  }

  /** The last connection left `name`: a version now if it changed since the last. */
  idle(name: string): void {
    if (this.dirty.has(name)) this.take(name);
  }

  /** The document was deleted: nothing to take. */
  deleted(name: string): void {
    clearTimeout(this.dirty.get(name)?.timer);
    this.dirty.delete(name);
  }

  /** Takes the versions still due, then stops. */
  async close(): Promise<void> {
    for (const name of [...this.dirty.keys()]) this.take(name);
    this.closed = true;
    await Promise.all(this.taking);
  }

  private take(name: string): void {
    const dirty = this.dirty.get(name);
    if (dirty === undefined) return;
    clearTimeout(dirty.timer);
    this.dirty.delete(name);
    const now = Date.now();
    // Named by the slice of the change, not the time it fires: a timer may fire late, past the slice's end.
    const bucket = dirty.slice;
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
