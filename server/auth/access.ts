/**
 * Per-document access from token claims. A grant is `pattern:mode`, where `pattern` is a
 * document name in which `*` stands for any run of characters (slashes included) and `mode` is
 * `write` or `read`: `team-*:write`, `wiki/*:read`, `*:read`.
 */

/** What a connection may do with a document. `write` includes reading. */
export type AccessMode = 'read' | 'write';

/** One `pattern:mode` grant, parsed. */
export interface DocumentGrant {
  pattern: string;
  mode: AccessMode;
}

/** Thrown for a grant string that is not `pattern:read` or `pattern:write`. */
export class InvalidGrantError extends Error {
  constructor(readonly grant: string) {
    super(`invalid document grant '${grant}': expected <pattern>:read or <pattern>:write`);
    this.name = 'InvalidGrantError';
  }
}

/** Parses `pattern:mode`; the mode follows the last colon, since names may contain colons. */
export function parseGrant(grant: string): DocumentGrant {
  const colon = grant.lastIndexOf(':');
  const pattern = grant.slice(0, colon);
  const mode = grant.slice(colon + 1);
  if (colon <= 0 || (mode !== 'read' && mode !== 'write')) throw new InvalidGrantError(grant);
  return { pattern, mode };
}

/** The grant in its claim form, `pattern:mode`. */
export function formatGrant({ pattern, mode }: DocumentGrant): string {
  return `${pattern}:${mode}`;
}

/** True when `name` matches `pattern` (`*` = any run of characters, everything else literal). */
export function matchesPattern(pattern: string, name: string): boolean {
  const parts = pattern.split('*');
  const first = parts[0] ?? '';
  if (parts.length === 1) return pattern === name;
  if (!name.startsWith(first)) return false;
  const last = parts[parts.length - 1] ?? '';
  if (name.length - first.length < last.length || !name.endsWith(last)) return false;
  let at = first.length;
  const end = name.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = name.indexOf(middle, at);
    if (found === -1 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

/**
 * The access `grants` give to document `name`: `write` if any matching grant writes, else `read`
 * if any matching grant reads, else null (forbidden). Grants only ever add access, so the order in
 * which a token lists them does not matter.
 */
export function accessFor(grants: readonly DocumentGrant[], name: string): AccessMode | null {
  let access: AccessMode | null = null;
  for (const grant of grants) {
    if (!matchesPattern(grant.pattern, name)) continue;
    if (grant.mode === 'write') return 'write';
    access = 'read';
  }
  return access;
}
