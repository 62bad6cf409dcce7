/**
 * What a client may read from its own token without verifying it: when it expires (to fetch the
 * next one before the server closes the connection with 4440) and whom it names (the name and
 * colour the server stamps over this client's presence, so the writer sees themself as others
 * do). The server verifies; the client only reads, and treats an opaque token as saying nothing.
 */
import { decodeJwt } from 'jose';
import { isHexColor, MAX_USER_NAME_LENGTH } from '../../shared/presence.js';

/** The parts of a token the client uses. */
export interface TokenClaims {
  /** When the token expires, in milliseconds since the epoch; null when it does not say. */
  readonly expiresAt: number | null;
  /** The display name the server shows for this token's user; null when the token names nobody. */
  readonly name: string | null;
  /** The `#rrggbb` colour the server shows for this token's user; null to keep the client's own. */
  readonly color: string | null;
}

const NO_CLAIMS: TokenClaims = { expiresAt: null, name: null, color: null };

/** The claims of `token`, read the way the server's presence stamp reads them (server/auth/presence-stamp.ts). */
export function readTokenClaims(token: string | undefined): TokenClaims {
  if (token === undefined) return NO_CLAIMS;
  let payload: Record<string, unknown>;
  try {
    payload = decodeJwt(token);
  } catch {
    // Not a JWT: a server with its own `authenticate` may take opaque tokens. Nothing to read.
    return NO_CLAIMS;
  }
  const { exp, sub, name, color } = payload;
  const shown = typeof name === 'string' && name.length > 0 ? name : typeof sub === 'string' ? sub : null;
  return {
    expiresAt: typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null,
    name: shown === null ? null : shown.slice(0, MAX_USER_NAME_LENGTH),
    color: isHexColor(color) ? color : null,
  };
}
