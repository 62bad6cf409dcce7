/**
 * Versions: whole-document states kept beside a document's log, with who made them, when and why.
 * A version holds the encoded Yjs state (`Y.encodeStateAsUpdate`), not a Yjs snapshot: a snapshot
 * can only be read against a document that kept its deleted content (gc off), which would make
 * every live document grow with everything ever deleted; a state stands alone, restores by itself
 * and is exported in every format like the document. Every store keeps them through one
 * {@link VersionBackend} and the rules here (ids, newest first, retention).
 */
import { randomBytes } from 'node:crypto';

/** Why a version exists. */
export type VersionKind = 'manual' | 'auto' | 'before-restore';

/** What is known about one version without reading its state. */
export interface VersionInfo {
  /** Unique within the document; sorts by creation time. */
  id: string;
  label: string | null;
  /** ms since epoch. */
  createdAt: number;
  /** The user id of whoever made it (a token's subject, `authenticate`'s id); null when unknown. */
  createdBy: string | null;
  kind: VersionKind;
  /** Bytes of the stored state. */
  bytes: number;
}

/** What the storage engine keeps: versions by document, each an info record and a state. */
export interface VersionBackend {
  /** Writes `info` and `state` of a version of `name`, replacing one with the same id. */
  put(name: string, info: VersionInfo, state: Uint8Array): Promise<void>;
  /** Every version of `name`, in any order. */
  list(name: string): Promise<VersionInfo[]>;
  /** The state of version `id` of `name`, or null. */
  state(name: string, id: string): Promise<Uint8Array | null>;
  /** Removes versions `ids` of `name` (every one when `ids` is null). */
  remove(name: string, ids: readonly string[] | null): Promise<void>;
}

/** How a version is asked for. */
export interface NewVersion {
  kind: VersionKind;
  label?: string | null;
  createdBy?: string | null;
  /** Defaults to a new time-ordered id; automatic versions pass one per time bucket, so that instances of a cluster writing the same moment write one version. */
  id?: string;
  /** Defaults to now. */
  createdAt?: number;
}

/** The versions of every document in one store. */
export interface VersionStore {
  /** Keeps `state` as a version of `name`, then drops what retention says; resolves with its record. */
  save(name: string, state: Uint8Array, version: NewVersion): Promise<VersionInfo>;
  /** The versions of `name`, newest first. */
  list(name: string): Promise<VersionInfo[]>;
  /** A version's record and state, or null. */
  get(name: string, id: string): Promise<{ info: VersionInfo; state: Uint8Array } | null>;
  /** Removes every version of `name` (the document was deleted). */
  removeAll(name: string): Promise<void>;
}

/** Default of {@link VersionStoreOptions.maxVersions}. */
export const DEFAULT_MAX_VERSIONS = 200;

/** Longest label kept. */
export const MAX_VERSION_LABEL_LENGTH = 200;

/** Options of {@link createVersionStore}. */
export interface VersionStoreOptions {
  /**
   * Versions kept per document. Past it the oldest automatic ones go first, then the oldest
   * before-restore ones, and manual ones only when nothing else is left. Default 200.
   */
  maxVersions?: number;
}

/** A new id: the creation time in base 36, fixed width so ids sort by time, and random bits. */
export function newVersionId(createdAt: number): string {
  return `${createdAt.toString(36).padStart(9, '0')}-${randomBytes(4).toString('hex')}`;
}

/** Newest first; ids break ties (they start with the time). */
function newestFirst(a: VersionInfo, b: VersionInfo): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** Which versions to drop so that at most `max` stay. */
export function versionsOverLimit(versions: readonly VersionInfo[], max: number): string[] {
  const excess = versions.length - max;
  if (excess <= 0) return [];
  const oldestFirst = [...versions].sort(newestFirst).reverse();
  const order: VersionKind[] = ['auto', 'before-restore', 'manual'];
  const dropped: string[] = [];
  for (const kind of order) {
    for (const version of oldestFirst) {
      if (dropped.length === excess) return dropped;
      if (version.kind === kind) dropped.push(version.id);
    }
  }
  return dropped;
}

/**
 * The version rules over `backend`. `check` runs first in every call: the store's own refusal of
 * names that could leave their key range, and of calls after close.
 */
export function createVersionStore(backend: VersionBackend, options: VersionStoreOptions, check: (name: string) => void): VersionStore {
  const max = options.maxVersions ?? DEFAULT_MAX_VERSIONS;
  return {
    async save(name, state, version) {
      check(name);
      const createdAt = version.createdAt ?? Date.now();
      const label = version.label === undefined || version.label === null ? null : version.label.slice(0, MAX_VERSION_LABEL_LENGTH);
      const info: VersionInfo = {
        id: version.id ?? newVersionId(createdAt),
        label,
        createdAt,
        createdBy: version.createdBy ?? null,
        kind: version.kind,
        bytes: state.length,
      };
      await backend.put(name, info, state);
      const drop = versionsOverLimit(await backend.list(name), max);
      if (drop.length > 0) await backend.remove(name, drop);
      return info;
    },
    async list(name) {
      check(name);
      return (await backend.list(name)).sort(newestFirst);
    },
    async get(name, id) {
      check(name);
      const info = (await backend.list(name)).find((version) => version.id === id);
      if (info === undefined) return null;
      const state = await backend.state(name, id);
      return state === null ? null : { info, state };
    },
    async removeAll(name) {
      check(name);
      await backend.remove(name, null);
    },
  };
}

/** A backend in this process's memory, for the memory store. */
export function createMemoryVersionBackend(): VersionBackend {
  const documents = new Map<string, Map<string, { info: VersionInfo; state: Uint8Array }>>();
  return {
    async put(name, info, state) {
      let versions = documents.get(name);
      if (versions === undefined) documents.set(name, (versions = new Map()));
      versions.set(info.id, { info: { ...info }, state: state.slice() });
    },
    async list(name) {
      return [...(documents.get(name)?.values() ?? [])].map(({ info }) => ({ ...info }));
    },
    async state(name, id) {
      return documents.get(name)?.get(id)?.state.slice() ?? null;
    },
    async remove(name, ids) {
      const versions = documents.get(name);
      if (versions === undefined) return;
      if (ids === null) versions.clear();
      else for (const id of ids) versions.delete(id);
      if (versions.size === 0) documents.delete(name);
    },
  };
}

/** The JSON of a version record as stored by engines that keep it as text. */
export function encodeVersionInfo(info: VersionInfo): string {
  return JSON.stringify(info);
}

/** Reads {@link encodeVersionInfo}'s text back; throws for text that is not one. */
export function decodeVersionInfo(text: string): VersionInfo {
  const value = JSON.parse(text) as Partial<VersionInfo>;
  if (typeof value.id !== 'string' || typeof value.createdAt !== 'number' || typeof value.bytes !== 'number') throw new TypeError('not a version record');
  if (value.kind !== 'manual' && value.kind !== 'auto' && value.kind !== 'before-restore') throw new TypeError('not a version kind');
  return { id: value.id, label: value.label ?? null, createdAt: value.createdAt, createdBy: value.createdBy ?? null, kind: value.kind, bytes: value.bytes };
}
