/**
 * What the admin verbs do to documents, behind one interface with two implementations: a stopped
 * server's data dir opened directly (local-target.ts) and a running server through its HTTP API
 * (remote-target.ts). The verbs (admin.ts) do not know which one they talk to.
 */
import type { DocumentFormat } from '../api/formats.js';
import type { DocumentSummary } from '../api/documents.js';

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
  /** Creates `name` from `body`, or replaces its content when `replace`; true when it was created. */
  write(name: string, format: DocumentFormat, body: Uint8Array, replace: boolean): Promise<boolean>;
  delete(name: string): Promise<void>;
  compact(name: string): Promise<void>;
  info(name: string): Promise<DocumentSummary>;
  close(): Promise<void>;
}
