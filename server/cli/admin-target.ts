/**
 * What the admin verbs do to documents, behind one interface with two implementations: a stopped
 * server's data dir opened directly (local-target.ts) and a running server through its HTTP API
 * (remote-target.ts). The verbs (admin.ts) do not know which one they talk to.
 */
import type { DocumentFormat as DocumentKind } from '../../shared/document-format.js';
import type { DocumentFormat } from '../api/formats.js';
import type { DocumentSummary } from '../api/documents.js';
import type { VersionInfo } from '../storage/versions.js';

export type { DocumentSummary } from '../api/documents.js';

/** Why an admin operation failed; each reason has its own exit code (see admin.ts). */
export type AdminFailure = 'not_found' | 'conflict' | 'denied' | 'locked' | 'bad_input' | 'failed';

/** An expected failure of an admin operation. */
export class AdminError extends Error {
  constructor(
    readonly reason: AdminFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AdminError';
  }
}

/** The documents of one Tandem installation. */
export interface AdminTarget {
  list(): Promise<DocumentSummary[]>;
  /** The document in `format` (the bytes of the Yjs update, or UTF-8 text). */
  read(name: string, format: DocumentFormat): Promise<Uint8Array>;
  /**
   * Creates `name` from `body` (a plain-text document when `kind` says so, else rich text), or
   * replaces its content when `replace`; true when it was created.
   */
  write(name: string, format: DocumentFormat, body: Uint8Array, replace: boolean, kind?: DocumentKind | null): Promise<boolean>;
  delete(name: string): Promise<void>;
  compact(name: string): Promise<void>;
  info(name: string): Promise<DocumentSummary>;
  /** The versions of `name`, newest first. */
  versions(name: string): Promise<VersionInfo[]>;
  /** Takes a manual version of `name` now. */
  createVersion(name: string, label: string | null): Promise<VersionInfo>;
  /** Version `id` of `name` in `format`. */
  readVersion(name: string, id: string, format: DocumentFormat): Promise<Uint8Array>;
  /** Restores version `id` of `name` as an edit; resolves with the before-restore version. */
  restoreVersion(name: string, id: string): Promise<VersionInfo>;
  /** Writes a version as it was backed up: its record and state (a restore of a backup). */
  putVersion(name: string, info: VersionInfo, state: Uint8Array): Promise<void>;
  close(): Promise<void>;
}
