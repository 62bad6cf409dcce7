/**
 * The document versions of a Tandem server over its HTTP API (README "Documents over HTTP"),
 * without React: list, read, create and restore. The API lives on the same host and path as the
 * WebSocket endpoint, so its address comes from the editor's `serverUrl`, and the editor's token
 * goes with every request as `Authorization: Bearer`.
 */
import type { TokenSource } from '../session/provider.js';

/** Why a version was saved: by someone (`manual`), by the server while editing (`auto`), or before a restore. */
export type VersionKind = 'manual' | 'auto' | 'before-restore';

/** A version as the server lists it. */
export interface Version {
  readonly id: string;
  readonly label: string | null;
  /** ms since the epoch. */
  readonly createdAt: number;
  /** The user id of whoever saved it (a token's subject); null when unknown or automatic. */
  readonly createdBy: string | null;
  readonly kind: VersionKind;
  /** Size of the stored state. */
  readonly bytes: number;
}

/** Where the versions of one document are, and who asks. */
export interface VersionsTarget {
  /** The Tandem server's WebSocket URL, as given to the editor (`wss://docs.example.com/collab`). */
  readonly serverUrl: string;
  readonly documentName: string;
  /** The editor's token (or the function that fetches one), sent as `Authorization: Bearer`. */
  readonly token?: TokenSource | undefined;
  /** A `fetch` of your own, e.g. one that adds cookies; default the global one. */
  readonly fetch?: typeof fetch | undefined;
}

/** A request the server refused, with its `{ code, message }` (e.g. `forbidden`, `not_found`). */
export class VersionsApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'VersionsApiError';
  }
}

/**
 * The HTTP address of a document's versions: `ws:` becomes `http:`, `wss:` `https:`, the path
 * is kept, and the name is percent-encoded whole (a `/` in it too, as the API requires).
 * @example versionsUrl('wss://docs.example.com/collab', 'team/plan') // https://docs.example.com/collab/api/documents/team%2Fplan/versions
 */
export function versionsUrl(serverUrl: string, documentName: string, ...rest: string[]): string {
  const url = new URL(serverUrl);
  if (url.protocol === 'ws:') url.protocol = 'http:';
  else if (url.protocol === 'wss:') url.protocol = 'https:';
  const base = url.pathname.replace(/\/+$/, '');
  url.pathname = [`${base}/api/documents`, encodeURIComponent(documentName), 'versions', ...rest.map(encodeURIComponent)].join('/');
  url.search = '';
  url.hash = '';
  return url.href;
}

/** One API call; throws {@link VersionsApiError} for an answer that is not 2xx. */
async function request(target: VersionsTarget, method: 'GET' | 'POST', path: string[], body?: unknown, query = ''): Promise<Response> {
  const token = typeof target.token === 'function' ? await target.token() : target.token;
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const send = target.fetch ?? fetch;
  const response = await send(versionsUrl(target.serverUrl, target.documentName, ...path) + query, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.ok) return response;
  const error = (await response.json().catch(() => null)) as { code?: unknown; message?: unknown } | null;
  throw new VersionsApiError(
    response.status,
    typeof error?.code === 'string' ? error.code : 'http_error',
    typeof error?.message === 'string' ? error.message : `the server answered ${response.status}`,
  );
}

/**
 * The document's versions, newest first.
 * @example const versions = await listVersions({ serverUrl: 'wss://docs.example.com', documentName: 'notes', token });
 */
export async function listVersions(target: VersionsTarget): Promise<Version[]> {
  const { versions } = (await (await request(target, 'GET', [])).json()) as { versions: Version[] };
  return versions;
}

/** The content of version `id` as an encoded Yjs state (to read with `Y.applyUpdate`). */
export async function fetchVersionState(target: VersionsTarget, id: string): Promise<Uint8Array> {
  const response = await request(target, 'GET', [id], undefined, '?format=yjs');
  return new Uint8Array(await response.arrayBuffer());
}

/** Saves the document as it is on the server now as a `manual` version, with `label` if given. */
export async function createVersion(target: VersionsTarget, label?: string): Promise<Version> {
  return (await (await request(target, 'POST', [], label === undefined || label === '' ? {} : { label })).json()) as Version;
}

/**
 * Restores version `id`: the server saves a `before-restore` version of the current content,
 * then applies the difference as one live edit that every connected editor sees. Resolves with
 * the `before-restore` version.
 */
export async function restoreVersion(target: VersionsTarget, id: string): Promise<Version> {
  const { beforeRestore } = (await (await request(target, 'POST', [id, 'restore'])).json()) as { beforeRestore: Version };
  return beforeRestore;
}
