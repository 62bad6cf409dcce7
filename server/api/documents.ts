/**
 * The HTTP document API, on the server's own port and behind the same tokens as WebSocket
 * (`Authorization: Bearer <token>` or `?token=`; open mode when no key is configured):
 *
 * - `GET /api/documents?limit=&after=`: stored documents (read grant) with size, updated-at and
 *   connected clients, by name, one page at a time (`next` is the `after` of the next page).
 * - `GET /api/documents/:name?format=yjs|json|html|markdown|text` (read grant).
 * - `PUT /api/documents/:name?format=` (write grant): creates the document once (409
 *   `already_exists` after that); with `?replace=1` the content replaces what is there, applied
 *   through the loaded room as an ordinary edit, so connected editors update live.
 * - `DELETE /api/documents/:name` (the token's `admin` claim): connected clients are closed with
 *   4410 (document deleted), then the stored document is removed.
 * - `GET /api/documents/:name?info=1` (read grant): size, log length, updated-at, clients.
 * - `POST /api/documents/:name?action=compact` (admin claim): merges the stored log into one update.
 *
 * Errors are JSON `{ code, message }` with a matching status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isValidDocumentName } from '../../shared/document-name.js';
import { accessFor, type AccessMode } from '../auth/access.js';
import { AuthError, type Identity, type TokenVerifier } from '../auth/tokens.js';
import type { Logger } from '../observability/logger.js';
import { connectionOrigin } from '../yjs/origins.js';
import { integratesAlone } from '../yjs/pending-updates.js';
import type { RoomMember } from '../rooms/room.js';
import type { RoomRegistry } from '../rooms/registry.js';
import type { DocumentInfo, DocumentStore } from '../storage/store.js';
import { checkYjsUpdate, ContentError, CONTENT_TYPES, DOCUMENT_FORMATS, documentUpdate, exportDocument, isDocumentFormat, parseContent, type DocumentFormat } from './convert.js';

/** The route prefix of the document API. */
export const API_PREFIX = '/api/documents';

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
  /** Largest request body accepted (413 `too_large` beyond it). */
  readonly maxBodyBytes: number;
  /** Connected clients of a document. */
  connectedClients(name: string): number;
  /** Closes every connection to `name` with 4410 (they leave its room at once). */
  disconnect(name: string): void;
  /** Told after the API changed or deleted a document. */
  changed?(name: string): void;
}

/** A failed request: its status and stable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The identity every request has in open mode. */
const OPEN_IDENTITY: Identity = { userId: 'open', name: null, color: null, grants: [{ pattern: '*', mode: 'write' }], admin: true, expiresAt: null };

/** The member the API edits a room as: it receives nothing, and is never one of the room's members. */
const API_MEMBER: RoomMember = { origin: connectionOrigin(0), send: () => undefined, evict: () => undefined };

/** The handler of every request under {@link API_PREFIX}. */
export function createDocumentApi(context: DocumentApiContext): (request: IncomingMessage, response: ServerResponse, pathname: string, query: URLSearchParams) => void {
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

  const identify = async (request: IncomingMessage, query: URLSearchParams): Promise<Identity> => {
    if (context.verifier === null) return OPEN_IDENTITY;
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') === true ? header.slice('Bearer '.length).trim() : query.get('token');
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

  const put = async (request: IncomingMessage, name: string, format: DocumentFormat, replace: boolean): Promise<{ status: number; body: unknown }> => {
    const body = await readBody(request, context.maxBodyBytes);
    // Refuse bad content before queueing behind other writes.
    if (format === 'yjs') {
      checkYjsUpdate(body);
      // It would wait in the room for changes nobody may ever send, and this request with it.
      if (!integratesAlone(body)) throw new ApiError(422, 'missing_dependencies', 'the update depends on changes it does not hold; send the whole document');
    } else parseContent(body.toString('utf8'), format);
    return serialise(name, async () => {
      const exists = (await context.store.info(name)) !== null;
      if (exists && !replace) throw new ApiError(409, 'already_exists', `document '${name}' exists; PUT with ?replace=1 to replace its content`);
      const room = await context.registry.acquire(name);
      try {
        await room.applyUpdate(API_MEMBER, documentUpdate(await context.store.load(name), body, format));
      } finally {
        context.registry.release(room);
      }
      context.changed?.(name);
      return { status: exists ? 200 : 201, body: { name, created: !exists } };
    });
  };

  const remove = (name: string): Promise<void> =>
    serialise(name, async () => {
      if ((await context.store.info(name)) === null && !context.registry.has(name)) throw new ApiError(404, 'not_found', `no document '${name}'`);
      context.disconnect(name);
      await context.registry.unloadNow(name);
      await context.store.delete(name);
      context.changed?.(name);
    });

  const route = async (request: IncomingMessage, response: ServerResponse, pathname: string, query: URLSearchParams): Promise<void> => {
    const identity = await identify(request, query);
    if (pathname === API_PREFIX || pathname === `${API_PREFIX}/`) {
      if (request.method !== 'GET') throw new ApiError(405, 'method_not_allowed', 'GET lists the documents');
      return sendJson(response, 200, await list(identity, query));
    }
    const name = documentName(pathname.slice(API_PREFIX.length + 1));
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
        const body = exportDocument(stored, format);
        response.writeHead(200, { 'content-type': CONTENT_TYPES[format], 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : body);
        return;
      }
      case 'PUT': {
        require(identity, name, 'write');
        const replace = query.get('replace') === '1' || query.get('replace') === 'true';
        const result = await put(request, name, format, replace);
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
      if (error instanceof ContentError) return sendError(response, new ApiError(400, 'bad_content', error.message));
      context.logger.error({ err: error, url: pathname }, 'document API request failed');
      sendError(response, new ApiError(500, 'internal', 'the request failed; see the server log'));
    });
  };
}

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

function pageSize(raw: string | null): number {
  if (raw === null) return DEFAULT_PAGE_SIZE;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new ApiError(400, 'bad_limit', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
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

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(`${JSON.stringify(body)}\n`);
}

function sendError(response: ServerResponse, error: ApiError): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  sendJson(response, error.status, { code: error.code, message: error.message });
}
