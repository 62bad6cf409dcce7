/**
 * The entry of a conversion worker thread (see convert-pool.ts): it runs one conversion of
 * convert.ts per request and answers with the bytes or with why it refused. Everything it needs
 * (the schema, happy-dom, the Markdown parser) is built inside the worker on first use.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DocumentFormat as DocumentKind } from '../../shared/document-format.js';
import type { ConversionBounds } from './content-bounds.js';
import { ContentError, ContentLimitError, MissingTypesError, type ContentLimit } from './conversion-errors.js';
import { documentUpdate, exportDocument, prepareConversion, useServerExtensions } from './convert.js';
import { loadServerExtensions } from './server-extensions.js';
import type { DocumentFormat } from './formats.js';

/** What a worker is started with. */
export interface ConversionWorkerData {
  /** The operator's extensions module (absolute path), or null for the default schema. */
  extensions: string | null;
}

/** One conversion a worker is asked for: an operation of convert.ts, its bytes and options. */
export type ConversionRequest =
  | { id: number; op: 'import'; current: Uint8Array | null; body: Uint8Array; format: DocumentFormat; kind: DocumentKind | null; bounds: ConversionBounds }
  | { id: number; op: 'export'; stored: Uint8Array; format: DocumentFormat; bounds: ConversionBounds };

/** Why a conversion failed, as it crosses back to the main thread. */
export type ConversionFailure =
  | { kind: 'content' }
  | { kind: 'types'; missing: readonly string[] }
  | { kind: 'limit'; limit: ContentLimit }
  | { kind: 'internal' };

/**
 * What a worker posts: `ready` once, when its modules have loaded; then, for each request,
 * `started` once what the format needs is loaded too (the conversion's deadline runs from there,
 * so that it times the content, not the loading), and the answer, by id.
 */
export type ConversionReply =
  | { ready: true }
  | { started: number }
  | { id: number; ok: true; bytes: Uint8Array }
  | { id: number; ok: false; failure: ConversionFailure; message: string };

function run(request: ConversionRequest): Uint8Array {
  switch (request.op) {
    case 'import':
      return documentUpdate(request.current, request.body, request.format, request.bounds, request.kind);
    case 'export':
      return exportDocument(request.stored, request.format, request.bounds);
    default:
      return request satisfies never;
  }
}

function failureOf(error: unknown): ConversionFailure {
  if (error instanceof ContentLimitError) return { kind: 'limit', limit: error.limit };
  if (error instanceof MissingTypesError) return { kind: 'types', missing: error.missing };
  if (error instanceof ContentError) return { kind: 'content' };
  // The recursive parsers and y-tiptap ran out of stack: nesting deeper than the bounds could see coming.
  if (error instanceof RangeError && /call stack/i.test(error.message)) return { kind: 'limit', limit: 'depth' };
  return { kind: 'internal' };
}

const port = parentPort;
if (port === null) throw new Error('convert-worker runs only as a worker thread (see convert-pool.ts)');
const { extensions } = workerData as ConversionWorkerData;
if (extensions !== null) useServerExtensions(await loadServerExtensions(extensions));
port.on('message', (request: ConversionRequest) => {
  let reply: ConversionReply;
  try {
    prepareConversion(request.format);
    port.postMessage({ started: request.id } satisfies ConversionReply);
    reply = { id: request.id, ok: true, bytes: run(request) };
  } catch (error) {
    const failure = failureOf(error);
    const message =
      failure.kind === 'limit' && !(error instanceof ContentLimitError)
        ? 'the document nests too deeply to convert'
        : error instanceof Error
          ? error.message
          : String(error);
    reply = { id: request.id, ok: false, failure, message };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true } satisfies ConversionReply);
