/**
 * The app's own `authenticate` as an {@link Authorizer}: its answer becomes the connection's
 * access exactly as a token's would (read-only connections' updates and presence dropped, the
 * identity stamped on presence, 4440 at `expiresAt`). Whatever it does, it can only refuse:
 * null is 4403, a {@link TandemAuthError} its own code, any other throw or an answer of the
 * wrong shape 4401 (logged and counted), no answer within the hook timeout 1013 (the client
 * retries later, as from an overloaded server).
 */
import { CloseCode } from '../../shared/close-codes.js';
import { isHexColor, MAX_USER_NAME_LENGTH } from '../../shared/presence.js';
import { createPresenceStamp } from '../auth/presence-stamp.js';
import type { Identity } from '../auth/tokens.js';
import {
  HookTimeoutError,
  TandemAuthError,
  type AuthenticateFunction,
  type AuthenticateResult,
  type AuthRefusalCode,
  type HookRunner,
} from '../embedding/hooks.js';
import { Refusal, type Authorizer, type ConnectionAccess, type RefusalReason } from './auth.js';

const REASONS: Readonly<Record<AuthRefusalCode, RefusalReason>> = {
  [CloseCode.Unauthenticated]: 'unauthenticated',
  [CloseCode.Forbidden]: 'forbidden',
  [CloseCode.TokenExpired]: 'expired',
};

/** Why an answer of `authenticate` cannot be used, or null when it can. */
export function invalidAuthResult(result: AuthenticateResult): string | null {
  if (typeof result !== 'object' || result === null) return 'expected an object or null';
  if (typeof result.id !== 'string' || result.id === '') return 'id must be a non-empty string';
  if (result.access !== 'read' && result.access !== 'write') return "access must be 'read' or 'write'";
  if (result.name !== undefined && (typeof result.name !== 'string' || result.name.length === 0 || result.name.length > MAX_USER_NAME_LENGTH)) {
    return `name must be 1..${MAX_USER_NAME_LENGTH} characters`;
  }
  if (result.color !== undefined && !isHexColor(result.color)) return 'color must be #rrggbb';
  if (result.expiresAt !== undefined && !Number.isFinite(result.expiresAt)) return 'expiresAt must be a time in ms since the epoch';
  return null;
}

/** The access an accepted answer gives. */
export function accessFromResult(result: AuthenticateResult, readOnlyPresence: boolean): ConnectionAccess {
  const write = result.access === 'write';
  return {
    write,
    presence: write || readOnlyPresence,
    stamp: createPresenceStamp({ name: result.name ?? result.id, color: result.color ?? null }),
    expiresAt: result.expiresAt ?? null,
    userId: result.id,
    user: { id: result.id, ...(result.name === undefined ? {} : { name: result.name }), ...(result.color === undefined ? {} : { color: result.color }) },
  };
}

/**
 * Calls `authenticate` within the hook timeout; resolves with its accepted answer or null, and
 * rejects only with a {@link Refusal}. Shared by WebSocket upgrades and the HTTP API.
 */
export async function callAuthenticate(
  authenticate: AuthenticateFunction,
  runner: HookRunner,
  request: Parameters<AuthenticateFunction>[0],
): Promise<AuthenticateResult | null> {
  let result: AuthenticateResult | null;
  try {
    result = await runner.bounded('authenticate', () => authenticate(request));
  } catch (error) {
    if (error instanceof TandemAuthError && error.code in REASONS) throw new Refusal(error.code, REASONS[error.code], { cause: error });
    runner.failed('authenticate', error, { room: request.documentName });
    if (error instanceof HookTimeoutError) throw new Refusal(CloseCode.TryAgainLater, 'auth_unavailable', { cause: error });
    throw new Refusal(CloseCode.Unauthenticated, 'unauthenticated', { cause: error });
  }
  if (result === null) return null;
  const invalid = invalidAuthResult(result);
  if (invalid !== null) {
    runner.failed('authenticate', new TypeError(`authenticate answered an unusable result: ${invalid}`), { room: request.documentName });
    throw new Refusal(CloseCode.Unauthenticated, 'unauthenticated');
  }
  if (result.expiresAt !== undefined && result.expiresAt <= Date.now()) throw new Refusal(CloseCode.TokenExpired, 'expired');
  return result;
}

/** An authorizer asking the app's `authenticate` about every upgrade. */
export function createCustomAuthorizer(authenticate: AuthenticateFunction, runner: HookRunner, readOnlyPresence: boolean): Authorizer {
  return {
    async authorize(token, documentName, request) {
      const result = await callAuthenticate(authenticate, runner, { token, documentName, request });
      if (result === null) throw new Refusal(CloseCode.Forbidden, 'forbidden');
      return accessFromResult(result, readOnlyPresence);
    },
  };
}

/**
 * The identity an HTTP API call gets from `authenticate`: the answer's access to that one
 * document, and, for the list (an empty name), every document when the answer has `admin`.
 * Rejects with a {@link Refusal} as for a connection; null refuses as forbidden.
 */
export async function identityFromAuthenticate(
  authenticate: AuthenticateFunction,
  runner: HookRunner,
  request: Parameters<AuthenticateFunction>[0],
): Promise<Identity> {
  const result = await callAuthenticate(authenticate, runner, request);
  if (result === null) throw new Refusal(CloseCode.Forbidden, 'forbidden');
  const admin = result.admin === true;
  // A name used as a pattern matches itself (a `*` in it matches itself too), and the identity is
  // only ever asked about this one name.
  const pattern = request.documentName === '' ? (admin ? '*' : null) : request.documentName;
  return {
    userId: result.id,
    name: result.name ?? null,
    color: result.color ?? null,
    grants: pattern === null ? [] : [{ pattern, mode: result.access }],
    admin,
    expiresAt: result.expiresAt ?? null,
  };
}
