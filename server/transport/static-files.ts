/**
 * The built demo app, served from a folder: `/` and `/d/<name>` (the app's document routes) get
 * `index.html`; other paths map to files inside the folder and never outside it.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** Paths the single-page app routes itself. */
function isAppRoute(pathname: string): boolean {
  return pathname === '/' || pathname === '/index.html' || /^\/d\/./.test(pathname);
}

/**
 * The file under `root` that `pathname` names, or null when it would leave `root` or does not
 * decode. Percent-decoding happens before the check, so `%2e%2e` cannot climb out.
 */
export function resolveStaticPath(root: string, pathname: string): string | null {
  if (isAppRoute(pathname)) return join(resolve(root), 'index.html');
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null; // malformed percent-encoding names no file
  }
  if (decoded.includes('\0')) return null;
  const base = resolve(root);
  const file = resolve(base, `.${decoded}`);
  return file.startsWith(base + sep) ? file : null;
}

function notFound(response: ServerResponse): void {
  response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  response.end('not found\n');
}

/** Answers a GET or HEAD for `pathname` from `root`. */
export function serveStatic(root: string, pathname: string, request: IncomingMessage, response: ServerResponse): void {
  const file = resolveStaticPath(root, pathname);
  if (file === null) {
    notFound(response);
    return;
  }
  stat(file).then(
    (info) => {
      if (!info.isFile()) {
        notFound(response);
        return;
      }
      const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      // Built assets carry a content hash in their name; index.html must always be revalidated.
      const cache = pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
      response.writeHead(200, {
        'content-type': type,
        'content-length': info.size,
        'cache-control': cache,
        'x-content-type-options': 'nosniff',
      });
      if (request.method === 'HEAD') {
        response.end();
        return;
      }
      createReadStream(file)
        .on('error', () => response.destroy())
        .pipe(response);
    },
    () => notFound(response),
  );
}
