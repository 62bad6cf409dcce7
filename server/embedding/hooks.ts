/**
 * The seams an app plugs into an embedded server: its own `authenticate`, and lifecycle hooks.
 * Few and typed, and safe when they throw: `authenticate` can only refuse a connection, `onLoad`
 * can only fail a load (the next join retries), and the notification hooks (`onChange`,
 * `onConnect`, `onDisconnect`, `onUnload`) are logged once and counted when they fail, changing
 * nothing else. None can crash the process or hold a room longer than {@link HookRunner}'s timeout.
 */
import type { IncomingMessage } from 'node:http';
import type * as Y from 'yjs';
import type { CloseCode } from '../../shared/close-codes.js';
import type { Logger } from '../observability/logger.js';

/** Who a connection belongs to, as `authenticate` or the token said. */
export interface TandemUser {
  /** The app's id of the user. */
  readonly id: string;
  /** The name others see; absent keeps the name the client chose. */
  readonly name?: string;
  /** The caret colour others see (`#rrggbb`); absent keeps the client's. */
  readonly color?: string;
}

/** What {@link AuthenticateFunction} is asked about. */
export interface AuthenticateRequest {
  /** The `?token=` query parameter (or the Bearer token of an HTTP API call); null without one. */
  readonly token: string | null;
  /**
   * The document the connection or API call is for. The HTTP API's document list asks with an
   * empty name: answer `admin: true` to allow listing every document.
   */
  readonly documentName: string;
  /** The upgrade (or API) request: its cookies and headers. */
  readonly request: IncomingMessage;
}

/** What {@link AuthenticateFunction} grants. */
export interface AuthenticateResult extends TandemUser {
  /** `write` edits; `read` syncs down, and everything it sends is dropped. */
  readonly access: 'read' | 'write';
  /** When the grant ends (ms since epoch): the connection is closed with 4440 then. */
  readonly expiresAt?: number;
  /** May delete and compact documents and list every document through the HTTP API. */
  readonly admin?: boolean;
}

/**
 * The app's own check of who may open a document. Resolve with the user and their access, with
 * null to refuse with 4403 (forbidden), or throw to refuse with 4401 (or the code of a thrown
 * {@link TandemAuthError}). It replaces the JWT check when given.
 */
export type AuthenticateFunction = (request: AuthenticateRequest) => Promise<AuthenticateResult | null> | AuthenticateResult | null;

/** Close codes `authenticate` may refuse with. */
export type AuthRefusalCode = typeof CloseCode.Unauthenticated | typeof CloseCode.Forbidden | typeof CloseCode.TokenExpired;

/**
 * Thrown by `authenticate` to refuse with a chosen code: 4401 (no or bad credentials), 4403 (not
 * this document) or 4440 (expired: the client fetches a new token and reconnects).
 * @example
 * throw new TandemAuthError(4440, 'session expired');
 */
export class TandemAuthError extends Error {
  constructor(
    readonly code: AuthRefusalCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'TandemAuthError';
  }
}

/** Lifecycle hooks of an embedded server; each is optional. */
export interface TandemHooks {
  /**
   * After a document is loaded from storage, before anyone syncs it. What it changes in `doc` is
   * stored and sent like any edit (seed an empty document, migrate an old one). A throw or a
   * timeout fails the load: the clients waiting get 1011, nothing is cached, the next join retries.
   */
  onLoad?(event: { documentName: string; doc: Y.Doc }): Promise<void> | void;
  /** After each batch of edits to a document is durable in storage. */
  onChange?(event: { documentName: string; update: Uint8Array }): Promise<void> | void;
  /**
   * After a connection was admitted to a document (for the first one, before the document is
   * loaded); every onConnect is followed by one onDisconnect.
   */
  onConnect?(event: { documentName: string; user: TandemUser | null; access: 'read' | 'write' }): Promise<void> | void;
  /** After a connection closed. */
  onDisconnect?(event: { documentName: string; user: TandemUser | null }): Promise<void> | void;
  /** After a document was unloaded from memory (its writes are durable). */
  onUnload?(event: { documentName: string }): Promise<void> | void;
}

/** The name of a hook, the `hook` label of `tandem_hook_errors_total`. */
export type HookName = keyof TandemHooks | 'authenticate';

/** Every hook name, for the metric's series. */
export const HOOK_NAMES: readonly HookName[] = ['authenticate', 'onLoad', 'onChange', 'onConnect', 'onDisconnect', 'onUnload'];

/** Default of {@link HookRunner}'s timeout: how long `authenticate` and `onLoad` may take. */
export const DEFAULT_HOOK_TIMEOUT_MS = 10_000;

/** A hook that did not settle within its timeout. */
export class HookTimeoutError extends Error {
  constructor(hook: HookName, timeoutMs: number) {
    super(`${hook} did not settle within ${timeoutMs} ms`);
    this.name = 'HookTimeoutError';
  }
}

/** Runs the app's hooks with the timeout and error handling above. */
export class HookRunner {
  constructor(
    readonly hooks: TandemHooks,
    readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly countError: (hook: HookName) => void,
  ) {}

  /** Logs and counts one failure of `hook`. */
  failed(hook: HookName, error: unknown, fields: Record<string, unknown> = {}): void {
    this.countError(hook);
    this.logger.error({ err: error, hook, ...fields }, `the ${hook} hook failed`);
  }

  /** Resolves with what `run` resolves with, or rejects with {@link HookTimeoutError} after the timeout. */
  async bounded<T>(hook: HookName, run: () => Promise<T> | T): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HookTimeoutError(hook, this.timeoutMs)), this.timeoutMs);
    });
    try {
      return await Promise.race([Promise.resolve().then(run), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Calls a notification hook; a throw or rejection is logged and counted, and goes no further. */
  notify<K extends 'onChange' | 'onConnect' | 'onDisconnect' | 'onUnload'>(hook: K, event: Parameters<NonNullable<TandemHooks[K]>>[0]): void {
    const fn = this.hooks[hook] as ((event: Parameters<NonNullable<TandemHooks[K]>>[0]) => Promise<void> | void) | undefined;
    if (fn === undefined) return;
    const documentName = (event as { documentName: string }).documentName;
    try {
      const result = fn.call(this.hooks, event);
      if (result instanceof Promise) result.catch((error: unknown) => this.failed(hook, error, { room: documentName }));
    } catch (error) {
      this.failed(hook, error, { room: documentName });
    }
  }
}
