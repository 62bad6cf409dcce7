/**
 * Document names: what may stand in the URL path. Names become storage keys and appear in
 * URLs, logs and file names (export, backup), so anything that could change meaning there
 * (control characters, `..` segments, empty segments, leading or trailing slashes) is refused.
 */

/** Longest document name, in characters. */
export const MAX_DOCUMENT_NAME_LENGTH = 200;

const SEGMENT = /^[A-Za-z0-9._~@:+-]+$/;

/** True when `name` is a valid document name. */
export function isValidDocumentName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_DOCUMENT_NAME_LENGTH) return false;
  return name.split('/').every((segment) => segment !== '.' && segment !== '..' && SEGMENT.test(segment));
}

/**
 * The document name carried by a request path such as `/notes%20x` or `/team/plan`, or null
 * when the path does not decode to a valid name.
 */
export function documentNameFromPath(pathname: string): string | null {
  let name: string;
  try {
    name = decodeURIComponent(pathname.replace(/^\/+/, ''));
  } catch {
    return null; // malformed percent-encoding
  }
  return isValidDocumentName(name) ? name : null;
}
