/**
 * The HTTP document API, on the server's own port and behind the same tokens as WebSocket
 * (`Authorization: Bearer <token>` or `?token=`; open mode when no key is configured):
 *
 * - `GET /api/documents?limit=&after=`: stored documents (read grant) with size, updated-at and
 *   connected clients, by name, one page at a time (`next` is the `after` of the next page).
 * - `GET /api/documents/:name?format=yjs|json|html|markdown|text` (read grant).
 * - `PUT /api/documents/:name?format=` (write grant): creates the document once (409
 *   `already_exists` after that), rich text unless `?type=plaintext`; with `?replace=1` the
 *   content replaces what is there (the Y.Text of a plain-text document), applied through the
 *   loaded room as an ordinary edit, so connected editors update live.
 * - HTML and Markdown of a document holding types the server's schema lacks, and a replace of
 *   one, answer 422 `unsupported_types` with the `missing` names.
 * - `DELETE /api/documents/:name` (the token's `admin` claim): connected clients are closed with
 *   4410 (document deleted), then the stored document is removed, leaving a tombstone: for
 *   `--deleted-document-ttl-ms` connections to it are closed with 4410, until a PUT creates it
 *   again.
 * - `GET /api/documents/:name?info=1` (read grant): size, log length, updated-at, clients.
 * - `POST /api/documents/:name?action=compact` (admin claim): merges the stored log into one update.
 *
 * Errors are JSON `{ code, message }` with a matching status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DOCUMENT_FORMATS as DOCUMENT_KINDS, isDocumentFormat as isDocumentKind, type DocumentFormat as DocumentKind } from '../../shared/document-format.js';
import { isValidDocumentName } from '../../shared/document-name.js';
import { accessFor, type AccessMode } from '../auth/access.js';
import { AuthError, type Identity, type TokenVerifier } from '../auth/tokens.js';
import { Refusal, type RefusalReason } from '../connection/auth.js';
import type { Logger } from '../observability/logger.js';
import type { LimitName } from '../observability/metrics.js';
import { connectionOrigin } from '../yjs/origins.js';
import { integratesAlone } from '../yjs/pending-updates.js';
import type { RoomMember } from '../rooms/room.js';
import type { RoomRegistry } from '../rooms/registry.js';
import type { DocumentInfo, DocumentStore } from '../storage/store.js';
import type { VersionInfo } from '../storage/versions.js';
import {
  backedUpVersion,
  createVersion,
  labelOf,
  matchVersionRoute,
  readVersion,
  restoreVersion,
  type VersionRoute,
  type VersionRouteContext,
} from './versions.js';
import { ContentError, ContentLimitError, ConversionUnavailableError, MissingTypesError, type ContentLimit } from './conversion-errors.js';
import type { DocumentConverter } from './convert-pool.js';
import { CONTENT_TYPES, DOCUMENT_FORMATS, isDocumentFormat, type DocumentFormat } from './formats.js';

/** The route prefix of the document API. */
export const API_PREFIX = '/api/documents';

/** Largest body of a create-version request (a JSON label). */
const MAX_VERSION_REQUEST_BYTES = 64 * 1024;

/** Default and largest page of `GET /api/documents`. */
export const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

/** One document as the list and info routes show it. */
export interface DocumentSummary {
  name: string;
  bytes: number;
  /** Entries in the stored log (a compacted state counts as one). */
  updates: number;
  /** ISO 8601. */
  updatedAt: string;
  /** Connected clients; null where no server runs (the admin CLI on a data dir). */
  clients: number | null;
}

/** What the API needs from the server. */
export interface DocumentApiContext {
  readonly store: DocumentStore;
  readonly registry: RoomRegistry;
  readonly logger: Logger;
  /** Verifies tokens; null in open mode. */
  readonly verifier: TokenVerifier | null;
  /**
   * The app's own check (`authenticate`), used instead of {@link verifier} when given: the identity
   * for one document, or for the list with an empty name; rejects with a {@link Refusal}.
   */
  readonly identify?: (request: IncomingMessage, token: string | null, documentName: string) => Promise<Identity>;
  /** Largest request body accepted (413 `too_large` beyond it). */
  readonly maxBodyBytes: number;
  /** Runs imports and exports off the event loop, within the conversion limits. */
  readonly converter: DocumentConverter;
  /** Counts a request refused by a conversion limit. */
  limitHit(limit: LimitName): void;
  /** Connected clients of a document. */
  connectedClients(name: string): number;
  /** Closes every connection to `name` with 4410 (they leave its room at once). */
  disconnect(name: string): void;
  /** Told after the API changed or deleted a document. */
  changed?(name: string): void;
  /** Told after a version was created or a document restored (webhooks). */
  versionEvent?(event: 'version.created' | 'document.restored', name: string, version: VersionInfo): void;
}

/** A failed request: its status, stable code, and any facts the body carries besides them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** How an API call refused by `authenticate` is answered. */
const REFUSAL_ERRORS: Readonly<Record<RefusalReason, readonly [status: number, code: string, message: string]>> = {
  unauthenticated: [401, 'unauthenticated', 'authentication failed'],
  expired: [401, 'token_expired', 'the credentials expired'],
  forbidden: [403, 'forbidden', 'not allowed for this document'],
  invalid_name: [400, 'invalid_name', 'invalid document name'],
  auth_unavailable: [503, 'auth_unavailable', 'authentication did not answer in time; retry later'],
};

/** The identity every request has in open mode. */
const OPEN_IDENTITY: Identity = { userId: 'open', name: null, color: null, grants: [{ pattern: '*', mode: 'write' }], admin: true, expiresAt: null };

/** The member the API edits a room as: it receives nothing, and is never one of the room's members. */
const API_MEMBER: RoomMember = { origin: connectionOrigin(0), send: () => undefined, evict: () => undefined };

/** The handler of every request under {@link API_PREFIX}. */
export function createDocumentApi(
  context: DocumentApiContext,
): (request: IncomingMessage, response: ServerResponse, pathname: string, query: URLSearchParams) => void {
  /** Writes to one document are serialised, so that two creates can never both find it missing. */
  const writing = new Map<string, Promise<unknown>>();
  const serialise = <T>(name: string, task: () => Promise<T>): Promise<T> => {
    const previous = writing.get(name) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    writing.set(name, settled);
    void settled.then(() => {
      if (writing.get(name) === settled) writing.delete(name);
    });
    return next;
  };

  const identify = async (request: IncomingMessage, query: URLSearchParams, name: string): Promise<Identity> => {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') === true ? header.slice('Bearer '.length).trim() : query.get('token');
    if (context.identify !== undefined) {
      try {
        return await context.identify(request, token, name);
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        throw new ApiError(...REFUSAL_ERRORS[error.reason]);
      }
    }
    if (context.verifier === null) return OPEN_IDENTITY;
    try {
      return await context.verifier.verify(token);
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      throw new ApiError(401, error.reason === 'expired' ? 'token_expired' : 'unauthenticated', error.message);
    }
  };

  const require = (identity: Identity, name: string, mode: AccessMode): void => {
    const granted = accessFor(identity.grants, name);
    if (granted === null || (mode === 'write' && granted !== 'write')) throw new ApiError(403, 'forbidden', `this token may not ${mode} '${name}'`);
  };

  const summary = (info: DocumentInfo): DocumentSummary => ({
    name: info.name,
    bytes: info.bytes,
    updates: info.updates,
    updatedAt: new Date(info.updatedAt).toISOString(),
    clients: context.connectedClients(info.name),
  });

  const stored = async (name: string): Promise<DocumentInfo> => {
    const info = await context.store.info(name);
    if (info === null) throw new ApiError(404, 'not_found', `no document '${name}'`);
    return info;
  };

  const requireAdmin = (identity: Identity, what: string): void => {
    if (!identity.admin) throw new ApiError(403, 'admin_required', `${what} a document needs a token with the admin claim`);
  };

  const list = async (identity: Identity, query: URLSearchParams): Promise<unknown> => {
    const limit = pageSize(query.get('limit'));
    const after = query.get('after') ?? '';
    const visible = (await context.store.list()).filter((info) => info.name > after && accessFor(identity.grants, info.name) !== null);
    const page = visible.slice(0, limit);
    return {
      documents: page.map(summary),
      next: visible.length > limit ? (page[page.length - 1]?.name ?? null) : null,
    };
  };

  const put = async (
    request: IncomingMessage,
    name: string,
    format: DocumentFormat,
    replace: boolean,
    kind: DocumentKind | null,
  ): Promise<{ status: number; body: unknown }> => {
    const body = await readBody(request, context.maxBodyBytes);
    if (format === 'yjs') {
      let alone: boolean;
      try {
        alone = integratesAlone(body);
      } catch (error) {
        throw new ContentError('the body is not a Yjs update', { cause: error });
      }
      // It would wait in the room for changes nobody may ever send, and this request with it.
      if (!alone) throw new ApiError(422, 'missing_dependencies', 'the update depends on changes it does not hold; send the whole document');
    }
    return serialise(name, async () => {
      const exists = (await context.store.info(name)) !== null;
      if (exists && !replace) throw new ApiError(409, 'already_exists', `document '${name}' exists; PUT with ?replace=1 to replace its content`);
      // Converted before the room is loaded: content that is refused never loads or touches it.
      const update = await context.converter.importDocument(exists ? await context.store.load(name) : null, body, format, kind);
      if (!exists && (await context.registry.recentlyDeleted(name))) {
        // No room may hold a recently deleted document: storing it lifts the tombstone.
        await context.store.append(name, update);
      } else {
        const room = await context.registry.acquire(name);
        try {
          await room.applyUpdate(API_MEMBER, update);
        } finally {
          context.registry.release(room);
        }
      }
      context.changed?.(name);
      return { status: exists ? 200 : 201, body: { name, created: !exists } };
    });
  };

  const remove = (name: string): Promise<void> =>
    serialise(name, async () => {
      if ((await context.store.info(name)) === null && !context.registry.has(name)) throw new ApiError(404, 'not_found', `no document '${name}'`);
      context.disconnect(name);
      await context.registry.unloadNow(name, () => context.store.delete(name));
      context.changed?.(name);
    });

  const versionContext: VersionRouteContext = {
    store: context.store,
    fail(status, code, message) {
      throw new ApiError(status, code, message);
    },
    editLive: (name, edit) =>
      serialise(name, async () => {
        const room = await context.registry.acquire(name);
        try {
          await room.applyUpdate(API_MEMBER, await edit(await context.store.load(name)));
        } finally {
          context.registry.release(room);
        }
        context.changed?.(name);
      }),
    importYjs: (current, target) => context.converter.importDocument(current, target, 'yjs'),
    ...(context.versionEvent === undefined ? {} : { notify: context.versionEvent }),
  };

  const versions = async (
    request: IncomingMessage,
    response: ServerResponse,
    name: string,
    route: VersionRoute,
    identity: Identity,
    query: URLSearchParams,
  ): Promise<void> => {
    // Open mode has no user to name as the author.
    const author = identity === OPEN_IDENTITY ? null : identity.userId;
    if (route.id === null) {
      if (request.method === 'GET') {
        require(identity, name, 'read');
        return sendJson(response, 200, { versions: await context.store.versions.list(name) });
      }
      if (request.method !== 'POST') throw new ApiError(405, 'method_not_allowed', 'GET lists the versions, POST creates one');
      require(identity, name, 'write');
      const label = labelOf(versionContext, (await readBody(request, MAX_VERSION_REQUEST_BYTES)).toString('utf8'));
      return sendJson(response, 201, await createVersion(versionContext, name, 'manual', label, author));
    }
    if (route.restore) {
      if (request.method !== 'POST') throw new ApiError(405, 'method_not_allowed', 'POST restores a version');
      require(identity, name, 'write');
      const before = await restoreVersion(versionContext, name, route.id, author);
      return sendJson(response, 200, { restored: route.id, beforeRestore: before });
    }
    if (request.method === 'PUT') {
      // Restoring a backup: the version as it was, with its record (admin only: it writes history).
      requireAdmin(identity, 'writing the versions of');
      const state = await readBody(request, context.maxBodyBytes);
      // Checked (applied in a worker) before it is kept: a version that does not load is no version.
      await context.converter.importDocument(null, state, 'yjs');
      const version = backedUpVersion(versionContext, route.id, query);
      return sendJson(response, 201, await context.store.versions.save(name, state, version));
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') throw new ApiError(405, 'method_not_allowed', 'GET reads a version');
    require(identity, name, 'read');
    const format = formatOf(query.get('format'));
    const { state } = await readVersion(versionContext, name, route.id);
    const body = await context.converter.exportDocument(state, format);
    response.writeHead(200, { 'content-type': CONTENT_TYPES[format], 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : body);
  };

  const route = async (request: IncomingMessage, response: ServerResponse, pathname: string, query: URLSearchParams): Promise<void> => {
    if (pathname === API_PREFIX || pathname === `${API_PREFIX}/`) {
      const identity = await identify(request, query, '');
      if (request.method !== 'GET') throw new ApiError(405, 'method_not_allowed', 'GET lists the documents');
      return sendJson(response, 200, await list(identity, query));
    }
    const rest = pathname.slice(API_PREFIX.length + 1);
    const versionRoute = matchVersionRoute(rest);
    const name = documentName(versionRoute?.encodedName ?? rest);
    const identity = await identify(request, query, name);
    if (versionRoute !== null) return versions(request, response, name, versionRoute, identity, query);
    if (request.method === 'GET' && query.has('info')) {
      require(identity, name, 'read');
      return sendJson(response, 200, summary(await stored(name)));
    }
    const format = formatOf(query.get('format'));
    switch (request.method) {
      case 'GET':
      case 'HEAD': {
        require(identity, name, 'read');
        const stored = await context.store.load(name);
        if (stored === null) throw new ApiError(404, 'not_found', `no document '${name}'`);
        const body = await context.converter.exportDocument(stored, format);
        response.writeHead(200, { 'content-type': CONTENT_TYPES[format], 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : body);
        return;
      }
      case 'PUT': {
        require(identity, name, 'write');
        const replace = query.get('replace') === '1' || query.get('replace') === 'true';
        const result = await put(request, name, format, replace, kindOf(query.get('type')));
        return sendJson(response, result.status, result.body);
      }
      case 'DELETE':
        requireAdmin(identity, 'deleting');
        await remove(name);
        response.writeHead(204, { 'cache-control': 'no-store' });
        response.end();
        return;
      case 'POST':
        if (query.get('action') !== 'compact') throw new ApiError(400, 'unknown_action', "the only action is 'compact'");
        requireAdmin(identity, 'compacting');
        await stored(name);
        await context.store.compact(name);
        response.writeHead(204, { 'cache-control': 'no-store' });
        response.end();
        return;
      default:
        throw new ApiError(405, 'method_not_allowed', 'use GET, PUT, POST or DELETE');
    }
  };

  return (request, response, pathname, query) => {
    route(request, response, pathname, query).catch((error: unknown) => {
      if (error instanceof ApiError) return sendError(response, error);
      if (error instanceof ContentLimitError) {
        const { status, code, limit } = LIMIT_ANSWERS[error.limit];
        context.limitHit(limit);
        return sendError(response, new ApiError(status, code, error.message));
      }
      if (error instanceof MissingTypesError) return sendError(response, new ApiError(422, 'unsupported_types', error.message, { missing: error.missing }));
      if (error instanceof ContentError) return sendError(response, new ApiError(400, 'bad_content', error.message));
      if (error instanceof ConversionUnavailableError) {
        if (error.reason === 'busy') context.limitHit('max_queued_conversions');
        return sendError(response, new ApiError(503, 'conversion_unavailable', error.message), { 'retry-after': '1' });
      }
      context.logger.error({ err: error, url: pathname }, 'document API request failed');
      sendError(response, new ApiError(500, 'internal', 'the request failed; see the server log'));
    });
  };
}

/**
 * The answer to content past each conversion limit, and the limit counted: 413 for what is too
 * large (bytes, nodes, heap), 422 for what cannot be processed (too deep, too slow).
 */
const LIMIT_ANSWERS: Readonly<Record<ContentLimit, { status: number; code: string; limit: LimitName }>> = {
  bytes: { status: 413, code: 'too_large', limit: 'max_conversion_bytes' },
  nodes: { status: 413, code: 'too_many_nodes', limit: 'max_conversion_nodes' },
  memory: { status: 413, code: 'conversion_out_of_memory', limit: 'max_conversion_heap_mb' },
  depth: { status: 422, code: 'too_deep', limit: 'max_conversion_depth' },
  time: { status: 422, code: 'conversion_timeout', limit: 'conversion_timeout_ms' },
};

function documentName(encoded: string): string {
  let name: string;
  try {
    name = decodeURIComponent(encoded);
  } catch {
    throw new ApiError(400, 'invalid_name', 'the document name is not valid percent-encoding');
  }
  if (!isValidDocumentName(name)) throw new ApiError(400, 'invalid_name', `'${name}' is not a valid document name`);
  return name;
}

function formatOf(raw: string | null): DocumentFormat {
  const format = raw ?? 'json';
  if (!isDocumentFormat(format)) throw new ApiError(400, 'unknown_format', `unknown format '${format}'; the formats are ${DOCUMENT_FORMATS.join(', ')}`);
  return format;
}

function kindOf(raw: string | null): DocumentKind | null {
  if (raw === null) return null;
  if (!isDocumentKind(raw)) throw new ApiError(400, 'unknown_type', `unknown type '${raw}'; the types are ${DOCUMENT_KINDS.join(', ')}`);
  return raw;
}

function pageSize(raw: string | null): number {
  if (raw === null) return DEFAULT_PAGE_SIZE;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE)
    throw new ApiError(400, 'bad_limit', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  return limit;
}

/** The request body, refused with 413 once it passes `max` bytes. */
function readBody(request: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > max) return Promise.reject(new ApiError(413, 'too_large', `the body is larger than ${max} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        request.removeAllListeners('data');
        request.resume();
        reject(new ApiError(413, 'too_large', `the body is larger than ${max} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  response.end(`${JSON.stringify(body)}\n`);
}

function sendError(response: ServerResponse, error: ApiError, headers: Record<string, string> = {}): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  sendJson(response, error.status, { code: error.code, message: error.message, ...error.details }, headers);
}
