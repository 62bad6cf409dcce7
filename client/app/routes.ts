/** The demo app's two routes: `/` (open a document) and `/d/<name>` (the shareable link). */
import { documentNameFromPath } from '../../shared/document-name.js';
import type { DocumentFormat } from '../../shared/document-format.js';

/** What the current URL shows. */
export type Route = { readonly page: 'home' } | { readonly page: 'document'; readonly name: string };

/** The route for a pathname; an invalid document name falls back to home. */
export function routeFor(pathname: string): Route {
  if (!pathname.startsWith('/d/')) return { page: 'home' };
  const name = documentNameFromPath(pathname.slice(2));
  return name === null ? { page: 'home' } : { page: 'document', name };
}

/** The shareable path of a document; segments are encoded, slashes kept. */
export function documentPath(name: string): string {
  return `/d/${name.split('/').map(encodeURIComponent).join('/')}`;
}

/** The Tandem server this page came from, as a WebSocket URL. */
export function serverUrlOf(location: Location): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
}

/** The format a new document gets, from the `format` query parameter (default rich text). */
export function formatOf(search: string): DocumentFormat {
  return new URLSearchParams(search).get('format') === 'plaintext' ? 'plaintext' : 'richtext';
}

/** The path that creates (or opens) `name`, asking for `format` if it is new. */
export function newDocumentPath(name: string, format: DocumentFormat): string {
  return format === 'plaintext' ? `${documentPath(name)}?format=plaintext` : documentPath(name);
}
