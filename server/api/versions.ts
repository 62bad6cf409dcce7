/**
 * The version routes of the document API (mounted by documents.ts, behind the same tokens):
 *
 * - `POST /api/documents/:name/versions` `{"label": "..."}` (write): 201 with the new version.
 * - `GET /api/documents/:name/versions` (read): `{"versions": [...]}`, newest first.
 * - `GET /api/documents/:name/versions/:id?format=yjs|json|html|markdown|text` (read).
 * - `POST /api/documents/:name/versions/:id/restore` (write): saves a `before-restore` version,
 *   then applies the difference to the version's content as one live edit.
 * - `PUT /api/documents/:name/versions/:id?kind=&createdAt=&label=&createdBy=` (admin), the state
 *   as the body: writes a version as it was backed up (`tandem restore` of a backup).
 *
 * A document name with a `/` is sent percent-encoded (`team%2Fplan`) in these routes.
 */
import type { DocumentStore } from '../storage/store.js';
import { MAX_VERSION_LABEL_LENGTH, type NewVersion, type VersionInfo, type VersionKind } from '../storage/versions.js';
import { restoreUpdate } from '../versions/restore.js';

/** A version route: which version (none for the list and create), and whether to restore it. */
export interface VersionRoute {
  /** The document name as it stands in the path, still percent-encoded. */
  encodedName: string;
  id: string | null;
  restore: boolean;
}

/** `.../versions`, `.../versions/:id` or `.../versions/:id/restore` after the API prefix, or null. */
export function matchVersionRoute(rest: string): VersionRoute | null {
  const match = /^(.+?)\/versions(?:\/([^/]+)(\/restore)?)?\/?$/.exec(rest);
  if (match === null) return null;
  const id = match[2] === undefined ? null : decodeURIComponent(match[2]);
  return { encodedName: match[1] as string, id, restore: match[3] !== undefined };
}

/** What the routes need from the document API. */
export interface VersionRouteContext {
  readonly store: DocumentStore;
  /** Throws the API's error for `status` and `code`. */
  fail(status: number, code: string, message: string): never;
  /**
   * Applies to the live document, as one edit serialised with the document's other writes, the
   * update `edit` makes from the stored document.
   */
  editLive(name: string, edit: (current: Uint8Array | null) => Promise<Uint8Array>): Promise<void>;
  /** The Yjs import of the conversion workers: the update that gives `current` the content of `target`. */
  importYjs(current: Uint8Array | null, target: Uint8Array): Promise<Uint8Array>;
  /** Told after a version was created or a document restored (webhooks). */
  notify?(event: 'version.created' | 'document.restored', name: string, version: VersionInfo): void;
}

/** Creates a version of the stored document; fails with 404 when there is none. */
export async function createVersion(
  context: VersionRouteContext,
  name: string,
  kind: VersionKind,
  label: string | null,
  createdBy: string | null,
): Promise<VersionInfo> {
  const state = await context.store.load(name);
  if (state === null) context.fail(404, 'not_found', `no document '${name}'`);
  const version = await context.store.versions.save(name, state, { kind, label, createdBy });
  context.notify?.('version.created', name, version);
  return version;
}

/** Reads a version or fails with 404. */
export async function readVersion(context: VersionRouteContext, name: string, id: string): Promise<{ info: VersionInfo; state: Uint8Array }> {
  const version = await context.store.versions.get(name, id);
  if (version === null) context.fail(404, 'not_found', `no version '${id}' of '${name}'`);
  return version;
}

/**
 * Restores version `id` of `name`: a `before-restore` version of the current content first, then
 * the difference as one live edit. Resolves with the before-restore version.
 */
export async function restoreVersion(context: VersionRouteContext, name: string, id: string, createdBy: string | null): Promise<VersionInfo> {
  const { state } = await readVersion(context, name, id);
  const before = await createVersion(context, name, 'before-restore', `Before restoring ${id}`, createdBy);
  await context.editLive(name, (current) => restoreUpdate(current, state, (from, to) => context.importYjs(from, to)));
  const restored = await context.store.versions.get(name, id);
  if (restored !== null) context.notify?.('document.restored', name, restored.info);
  return before;
}

/** The label of a create request's JSON body (`{"label": "..."}`, or empty); fails with 400 otherwise. */
export function labelOf(context: VersionRouteContext, body: string): string | null {
  if (body.trim() === '') return null;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    context.fail(400, 'bad_content', 'the body must be JSON such as {"label": "Before the review"}');
  }
  const label = (json as { label?: unknown } | null)?.label;
  if (label === undefined || label === null) return null;
  if (typeof label !== 'string' || label.length > MAX_VERSION_LABEL_LENGTH) {
    context.fail(400, 'bad_content', `label must be a string of at most ${MAX_VERSION_LABEL_LENGTH} characters`);
  }
  return label;
}

/** The record of a version written back from a backup, from the query of its PUT; fails with 400. */
export function backedUpVersion(context: VersionRouteContext, id: string, query: URLSearchParams): NewVersion {
  const kind = query.get('kind');
  const createdAt = Number(query.get('createdAt'));
  if (kind !== 'manual' && kind !== 'auto' && kind !== 'before-restore') context.fail(400, 'bad_content', 'kind must be manual, auto or before-restore');
  if (!Number.isSafeInteger(createdAt) || createdAt < 0) context.fail(400, 'bad_content', 'createdAt must be a time in ms since the epoch');
  return { id, kind, createdAt, label: query.get('label'), createdBy: query.get('createdBy') };
}
