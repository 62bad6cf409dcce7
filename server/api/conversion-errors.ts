/**
 * Why a conversion (server/api/convert.ts) refused or failed, as errors that keep their meaning
 * across the worker boundary (server/api/convert-pool.ts): the document API answers each with
 * its own status, the admin CLI with its own exit code.
 */

/** Content that is not valid in its declared format, or not valid in the editor's schema. */
export class ContentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ContentError';
  }
}

/**
 * A document holding node or mark types (or attributes) that the server's schema lacks, asked for
 * in a format only that schema can write (HTML, Markdown) or replaced through it: refused whole,
 * never exported in part or written with those types dropped. The API answers 422 naming them.
 */
export class MissingTypesError extends ContentError {
  constructor(readonly missing: readonly string[]) {
    super(`the document uses ${missing.join(', ')}, which the server's schema does not have (add them with --extensions)`);
    this.name = 'MissingTypesError';
  }
}

/**
 * The conversion limit a piece of content exceeded: its size in bytes, its node count, its nesting
 * depth, the time or the heap its conversion needed (limits.ts names each one).
 */
export type ContentLimit = 'bytes' | 'nodes' | 'depth' | 'time' | 'memory';

/** Content too large or too complex to convert within the server's limits; nothing was written. */
export class ContentLimitError extends ContentError {
  constructor(
    readonly limit: ContentLimit,
    message: string,
  ) {
    super(message);
    this.name = 'ContentLimitError';
  }
}

/** Why a conversion could not run: every worker busy and the queue full, a worker that failed, or shutting down. */
export type UnavailableReason = 'busy' | 'failed' | 'closed';

/** The conversion could not run (see {@link UnavailableReason}); retry later. */
export class ConversionUnavailableError extends Error {
  constructor(
    readonly reason: UnavailableReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ConversionUnavailableError';
  }
}
