/**
 * Webhooks: a `document.changed` event per document, POSTed to one URL. Changes are debounced
 * (one event after `debounceMs` of quiet, but never later than `maxWaitMs` after the first
 * change), signed (`X-Tandem-Signature: sha256=<hex HMAC-SHA256 of the body>` with the shared
 * secret), and retried on a network error, a timeout or a non-2xx answer with exponential backoff
 * and full jitter, up to `maxAttempts`; then given up with a log line and a count in
 * `tandem_webhook_deliveries_total{outcome="given_up"}`.
 *
 * The body: `{ "type": "document.changed", "document": name, "updatedAt": ISO 8601,
 * "format": F, "content": string | null }` (content base64 for `yjs`; null once deleted, with
 * `"deleted": true`; null with `"missing": [names]` when the format is HTML or Markdown and the
 * document holds types the server's schema lacks, so that the change is still told). Each event
 * is read from storage when it is sent, so it carries the latest content.
 *
 * Version events go at once, signed and retried the same way: `{ "type": "version.created" |
 * "document.restored", "document": name, "version": { id, label, createdAt, createdBy, kind,
 * bytes } }` (for a restore, the version restored).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../observability/logger.js';
import type { DocumentStore } from '../storage/store.js';
import type { VersionInfo } from '../storage/versions.js';
import { MissingTypesError } from './conversion-errors.js';
import type { DocumentConverter } from './convert-pool.js';
import type { DocumentFormat } from './formats.js';

/** How events are sent. */
export interface WebhookOptions {
  url: string;
  /** Signs each body; null sends unsigned events. */
  secret: string | null;
  /** Format of the content in each event (default json). */
  format: DocumentFormat;
  /** Quiet time after a change before its event goes (default 2 000 ms). */
  debounceMs: number;
  /** Longest delay between a document's first change and its event, however busy it is (default 10 000 ms). */
  maxWaitMs: number;
  /** Attempts per event before giving up (default 8). */
  maxAttempts: number;
  /** Backoff before the second attempt; doubled each time, with full jitter (default 500 ms). */
  retryBaseMs: number;
  /** Longest backoff (default 60 000 ms). */
  retryMaxMs: number;
  /** Deadline of one attempt (default 10 000 ms). */
  timeoutMs: number;
}

/** Defaults of everything but the URL and secret. */
export const WEBHOOK_DEFAULTS: Readonly<Omit<WebhookOptions, 'url' | 'secret'>> = Object.freeze({
  format: 'json',
  debounceMs: 2_000,
  maxWaitMs: 10_000,
  maxAttempts: 8,
  retryBaseMs: 500,
  retryMaxMs: 60_000,
  timeoutMs: 10_000,
});

/** The header carrying the body's signature. */
export const SIGNATURE_HEADER = 'x-tandem-signature';

/** `sha256=<hex>` of `body` under `secret`, as sent in {@link SIGNATURE_HEADER}. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The events a webhook receives, named in the `X-Tandem-Event` header and the body's `type`. */
export type WebhookEventType = 'document.changed' | 'version.created' | 'document.restored';

interface Pending {
  timer: NodeJS.Timeout;
  firstAt: number;
}

/** Sends the webhook events of one server. */
export class WebhookSender {
  private readonly pending = new Map<string, Pending>();
  private readonly retries = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private readonly deliveries: Counter<'outcome'>;
  private closed = false;

  constructor(
    private readonly options: WebhookOptions,
    private readonly store: DocumentStore,
    private readonly converter: DocumentConverter,
    private readonly logger: Logger,
    registry: Registry,
  ) {
    this.deliveries = new Counter({
      name: 'tandem_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome: delivered, retried (an attempt failed, another follows) or given_up',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  /** Notes a change of `name`; its event goes once the document has been quiet, or at the max wait. */
  changed(name: string): void {
    if (this.closed) return;
    const now = Date.now();
    const pending = this.pending.get(name);
    const firstAt = pending?.firstAt ?? now;
    if (pending !== undefined) clearTimeout(pending.timer);
    const delay = Math.max(0, Math.min(this.options.debounceMs, firstAt + this.options.maxWaitMs - now));
    this.pending.set(name, { firstAt, timer: setTimeout(() => this.fire(name), delay) });
  }

  /** Sends a version event (`version.created`, `document.restored`) of `name` now. */
  versionEvent(type: 'version.created' | 'document.restored', name: string, version: VersionInfo): void {
    if (this.closed) return;
    this.attempt(name, JSON.stringify({ type, document: name, version }), 1, type);
  }

  /** Stops: events not yet due and retries not yet made are dropped (and logged). */
  close(): void {
    this.closed = true;
    if (this.pending.size > 0 || this.retries.size > 0) {
      this.logger.warn({ pending: this.pending.size, retrying: this.retries.size }, 'webhook events dropped at shutdown');
    }
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    for (const timer of this.retries) clearTimeout(timer);
    for (const controller of this.inFlight) controller.abort();
    this.pending.clear();
    this.retries.clear();
  }

  private fire(name: string): void {
    this.pending.delete(name);
    this.event(name).then(
      (body) => this.attempt(name, body, 1),
      (error: unknown) => this.logger.error({ err: error, room: name }, 'building a webhook event failed'),
    );
  }

  private async event(name: string): Promise<string> {
    const { format } = this.options;
    const [stored, info] = await Promise.all([this.store.load(name), this.store.info(name)]);
    const updatedAt = new Date(info?.updatedAt ?? Date.now()).toISOString();
    if (stored === null) return JSON.stringify({ type: 'document.changed', document: name, updatedAt, format, content: null, deleted: true });
    let bytes: Uint8Array;
    try {
      bytes = await this.converter.exportDocument(stored, format);
    } catch (error) {
      if (!(error instanceof MissingTypesError)) throw error;
      return JSON.stringify({ type: 'document.changed', document: name, updatedAt, format, content: null, missing: error.missing });
    }
    const content = format === 'yjs' ? Buffer.from(bytes).toString('base64') : Buffer.from(bytes).toString('utf8');
    return JSON.stringify({ type: 'document.changed', document: name, updatedAt, format, content });
  }

  private attempt(name: string, body: string, attempt: number, type: WebhookEventType = 'document.changed'): void {
    if (this.closed) return;
    const id = randomUUID();
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-tandem-event': type, 'x-tandem-delivery': id };
    if (this.options.secret !== null) headers[SIGNATURE_HEADER] = signBody(this.options.secret, body);
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(new Error(`no answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    this.inFlight.add(controller);
    fetch(this.options.url, { method: 'POST', headers, body, signal: controller.signal })
      .then(async (response) => {
        await response.body?.cancel();
        if (!response.ok) throw new Error(`answered ${response.status}`);
        this.deliveries.inc({ outcome: 'delivered' });
      })
      .catch((error: unknown) => this.failed(name, body, attempt, error, type))
      .finally(() => {
        clearTimeout(deadline);
        this.inFlight.delete(controller);
      });
  }

  private failed(name: string, body: string, attempt: number, error: unknown, type: WebhookEventType): void {
    if (this.closed) return;
    const reason = failureReason(error);
    if (attempt >= this.options.maxAttempts) {
      this.deliveries.inc({ outcome: 'given_up' });
      this.logger.warn({ room: name, attempts: attempt, reason }, 'webhook delivery given up');
      return;
    }
    this.deliveries.inc({ outcome: 'retried' });
    // Full jitter: a random wait up to the doubled backoff, so that failed senders do not retry in step.
    const ceiling = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** (attempt - 1));
    const wait = Math.random() * ceiling;
    this.logger.info({ room: name, attempt, reason, retryInMs: Math.round(wait) }, 'webhook delivery failed; retrying');
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      this.attempt(name, body, attempt + 1, type);
    }, wait);
    this.retries.add(timer);
  }
}

/**
 * Why a delivery failed, with the causes that fetch wraps: its own error says only "fetch failed",
 * while the cause says "connect ECONNREFUSED 127.0.0.1:9", "bad port" or which certificate check
 * failed, which is what an operator needs to fix the URL or the receiver.
 */
export function failureReason(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  // Causes are a short chain (fetch -> socket error); the bound guards against a cyclic one.
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (!(current instanceof Error)) {
      parts.push(String(current));
      break;
    }
    const code = (current as NodeJS.ErrnoException).code;
    parts.push(typeof code === 'string' && !current.message.includes(code) ? `${current.message} (${code})` : current.message);
    current = current.cause;
  }
  return parts.join(': ');
}

/**
 * `store`, telling `changed` after every durable append (with the update) and every delete (with
 * null). Webhooks and the app's `onChange` hook both listen through it.
 */
export function notifyingStore(store: DocumentStore, changed: (name: string, update: Uint8Array | null) => void): DocumentStore {
  return {
    load: (name) => store.load(name),
    info: (name) => store.info(name),
    list: () => store.list(),
    compact: (name) => store.compact(name),
    close: () => store.close(),
    versions: store.versions,
    async append(name, update) {
      await store.append(name, update);
      changed(name, update);
    },
    async delete(name) {
      await store.delete(name);
      changed(name, null);
    },
    health: () => store.health(),
    deletedAt: (name) => store.deletedAt(name),
  };
}
