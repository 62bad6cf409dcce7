/**
 * Runs the conversions of convert.ts off the event loop, in a small pool of worker threads, so
 * that a hostile body (megabytes of `<p>x</p>`, of newlines, of `[`) can neither stall the rooms
 * nor exhaust the server's heap: each worker has its own heap limit, each conversion a deadline,
 * and a worker that overruns either is terminated and replaced. Workers start on first use (an
 * idle server runs none) and never keep the process alive while idle.
 */
import { Worker } from 'node:worker_threads';
import type { DocumentFormat as DocumentKind } from '../../shared/document-format.js';
import { workerEntry } from '../workers/entry.js';
import type { Limits } from '../../shared/limits.js';
import { checkBodyBytes, type ConversionBounds } from './content-bounds.js';
import { ContentError, ContentLimitError, ConversionUnavailableError, MissingTypesError } from './conversion-errors.js';
import type { DocumentFormat } from './formats.js';
import type { ConversionReply, ConversionRequest, ConversionWorkerData } from './convert-worker.js';

/** How the pool runs conversions; the server fills it from its limits (shared/limits.ts). */
export interface ConversionPoolOptions {
  /** Worker threads converting at once. */
  workers: number;
  /** Conversions waiting for a worker; past it a conversion is refused as unavailable. */
  maxQueued: number;
  /** Deadline of one conversion, from the moment a worker takes it. */
  timeoutMs: number;
  /** Old-generation heap of each worker, in MiB. */
  heapMb: number;
  bounds: ConversionBounds;
  /** The operator's extensions module (absolute path, see server-extensions.ts) each worker loads; null for the default schema. */
  extensions: string | null;
}

/**
 * How long a worker may take to load before its job fails as unavailable. Not a limit on
 * content: loading takes under a second from dist/ and a few from the TypeScript sources; this
 * only stops a broken install from holding conversions forever.
 */
const WORKER_START_TIMEOUT_MS = 30_000;

/** The pool options that the conversion limits of `limits` set, with the operator's `extensions` module. */
export function conversionPoolOptions(limits: Limits, extensions: string | null = null): ConversionPoolOptions {
  return {
    extensions,
    workers: limits.conversionWorkers,
    maxQueued: limits.maxQueuedConversions,
    timeoutMs: limits.conversionTimeoutMs,
    heapMb: limits.maxConversionHeapMb,
    bounds: { maxBytes: limits.maxConversionBytes, maxNodes: limits.maxConversionNodes, maxDepth: limits.maxConversionDepth },
  };
}

/** Converts documents; the server's HTTP API, webhooks and the admin CLI share this interface. */
export interface DocumentConverter {
  /**
   * The update that gives a document (stored as `current`) the content `body` in `format`; a new
   * one is plain text when `kind` says so, else rich text. See convert.ts documentUpdate.
   */
  importDocument(current: Uint8Array | null, body: Uint8Array, format: DocumentFormat, kind?: DocumentKind | null): Promise<Uint8Array>;
  /** A stored document in `format`; see convert.ts exportDocument. */
  exportDocument(stored: Uint8Array, format: DocumentFormat): Promise<Uint8Array>;
  /** Refuses waiting conversions and stops the workers. */
  close(): Promise<void>;
}

type Operation =
  | { op: 'import'; current: Uint8Array | null; body: Uint8Array; format: DocumentFormat; kind: DocumentKind | null }
  | { op: 'export'; stored: Uint8Array; format: DocumentFormat };

interface Job {
  readonly operation: Operation;
  resolve(bytes: Uint8Array): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker | null;
  /** The worker has loaded its modules. */
  ready: boolean;
  /** The slot's job; its deadline starts when the worker says it started it (see convert-worker.ts). */
  job: { id: number; job: Job; deadline: NodeJS.Timeout | null } | null;
}

/** The error a worker's failed reply stands for, rebuilt on this side of the boundary. */
function replyError(reply: Extract<ConversionReply, { ok: false }>): Error {
  switch (reply.failure.kind) {
    case 'limit':
      return new ContentLimitError(reply.failure.limit, reply.message);
    case 'content':
      return new ContentError(reply.message);
    case 'types':
      return new MissingTypesError(reply.failure.missing);
    case 'internal':
      return new Error(`conversion failed: ${reply.message}`);
    default:
      return reply.failure satisfies never;
  }
}

/** A pool of conversion workers; see the module comment. */
export class ConversionPool implements DocumentConverter {
  private readonly slots: Slot[];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: ConversionPoolOptions) {
    this.slots = Array.from({ length: options.workers }, () => ({ worker: null, ready: false, job: null }));
  }

  async importDocument(current: Uint8Array | null, body: Uint8Array, format: DocumentFormat, kind: DocumentKind | null = null): Promise<Uint8Array> {
    // Refused before it queues: an oversized body never reaches a worker.
    if (format !== 'yjs') checkBodyBytes(body.byteLength, this.options.bounds);
    return this.submit({ op: 'import', current, body, format, kind });
  }

  exportDocument(stored: Uint8Array, format: DocumentFormat): Promise<Uint8Array> {
    if (format === 'yjs') return Promise.resolve(stored);
    return this.submit({ op: 'export', stored, format });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new ConversionUnavailableError('closed', 'the server is shutting down'));
    await Promise.all(this.slots.map((slot) => slot.worker?.terminate()));
  }

  private submit(operation: Operation): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new ConversionUnavailableError('closed', 'the server is shutting down'));
    if (this.queue.length >= this.options.maxQueued) {
      return Promise.reject(
        new ConversionUnavailableError('busy', `${this.options.workers} conversions are running and ${this.queue.length} are waiting; retry later`),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ operation, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.job !== null) continue;
      const job = this.queue.shift();
      if (job === undefined) return;
      this.start(slot, job);
    }
  }

  private start(slot: Slot, job: Job): void {
    const worker = (slot.worker ??= this.spawn(slot));
    const id = this.nextId++;
    slot.job = { id, job, deadline: null };
    worker.ref();
    const request: ConversionRequest = { ...job.operation, id, bounds: this.options.bounds };
    worker.postMessage(request);
  }

  /** Starts the deadline of the slot's job `id`. */
  private arm(slot: Slot, worker: Worker, id: number): void {
    const current = slot.job;
    if (current === null || current.id !== id) return;
    current.deadline = setTimeout(() => {
      this.settle(slot, current.id, new ContentLimitError('time', `the conversion took longer than ${this.options.timeoutMs} ms`));
      // The worker may be deep in a parse that never yields: only terminating it stops it.
      this.retire(slot, worker);
    }, this.options.timeoutMs);
  }

  private spawn(slot: Slot): Worker {
    const workerData: ConversionWorkerData = { extensions: this.options.extensions };
    const worker = new Worker(workerEntry('convert-worker', import.meta.url), {
      workerData,
      resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb },
      stdout: false,
      stderr: false,
    });
    // Idle, a worker never keeps the process alive; it is held while it converts (see start).
    worker.unref();
    // A conversion's deadline runs from the worker's signal that it started: one that never loads must not hold its job forever.
    const starting = setTimeout(() => {
      if (slot.worker !== worker) return;
      const current = slot.job?.id;
      if (current !== undefined)
        this.settle(slot, current, new ConversionUnavailableError('failed', `the conversion worker did not start within ${WORKER_START_TIMEOUT_MS} ms`));
      this.retire(slot, worker);
    }, WORKER_START_TIMEOUT_MS).unref();
    worker.on('message', (reply: ConversionReply) => {
      if ('ready' in reply) {
        clearTimeout(starting);
        if (slot.worker === worker) slot.ready = true;
        return;
      }
      if ('started' in reply) {
        if (slot.worker === worker) this.arm(slot, worker, reply.started);
        return;
      }
      if (slot.job?.id !== reply.id) return;
      this.settle(slot, reply.id, reply.ok ? reply.bytes : replyError(reply));
      worker.unref();
      this.pump();
    });
    // A retired worker (timed out, replaced) still reports its end: the slot's job is no longer its own.
    const job = (): number | undefined => (slot.worker === worker ? slot.job?.id : undefined);
    worker.on('error', (error: Error & { code?: string }) => {
      const current = job();
      if (current === undefined) return;
      this.settle(
        slot,
        current,
        // Out of memory before its conversion started, the heap limit is too small for the worker itself, whatever the content.
        error.code === 'ERR_WORKER_OUT_OF_MEMORY' && (slot.job?.deadline ?? null) !== null
          ? new ContentLimitError('memory', `the conversion needed more than ${this.options.heapMb} MiB of memory`)
          : new ConversionUnavailableError('failed', `the conversion worker failed: ${error.message}`, { cause: error }),
      );
    });
    worker.on('exit', () => {
      clearTimeout(starting);
      const current = job();
      if (current !== undefined) this.settle(slot, current, new ConversionUnavailableError('failed', 'the conversion worker exited'));
      this.retire(slot, worker);
    });
    return worker;
  }

  /** Ends the job `id` of `slot` (if it is still the slot's job) with bytes or an error. */
  private settle(slot: Slot, id: number, outcome: Uint8Array | Error): void {
    const current = slot.job;
    if (current === null || current.id !== id) return;
    if (current.deadline !== null) clearTimeout(current.deadline);
    slot.job = null;
    if (outcome instanceof Error) current.job.reject(outcome);
    else current.job.resolve(outcome);
  }

  /**
   * Replaces `worker` and stops it if it still runs. The replacement starts at once when the
   * worker had loaded, so that the next conversion does not wait for it; one that never loaded
   * (a broken install) is replaced only when the next conversion comes, never in a loop.
   */
  private retire(slot: Slot, worker: Worker): void {
    if (slot.worker !== worker) return;
    const loaded = slot.ready;
    slot.worker = null;
    slot.ready = false;
    void worker.terminate();
    if (this.closed) return;
    if (loaded) slot.worker = this.spawn(slot);
    this.pump();
  }
}
