/**
 * The formats of the HTTP document API and the admin CLI, with their content types. Apart from
 * convert.ts, so that the server's event loop, which never converts (convert-pool.ts does, in
 * worker threads), does not load the editor schema, the parsers and happy-dom just to name them.
 */

/** The formats a document can be read and written in. */
export const DOCUMENT_FORMATS = ['yjs', 'json', 'html', 'markdown', 'text'] as const;

/** One of {@link DOCUMENT_FORMATS}. */
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

/** The Content-Type each format is served with. */
export const CONTENT_TYPES: Readonly<Record<DocumentFormat, string>> = {
  yjs: 'application/octet-stream',
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  text: 'text/plain; charset=utf-8',
};

/** True when `value` names a format. */
export function isDocumentFormat(value: string): value is DocumentFormat {
  return (DOCUMENT_FORMATS as readonly string[]).includes(value);
}
