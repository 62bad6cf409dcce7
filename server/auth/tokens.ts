/**
 * Token verification and minting (JWT through `jose`). A token names a user and grants access
 * to documents; see {@link TandemClaims}. Algorithms are pinned by the kind of key configured, so
 * `alg: none` and HS/RS confusion (an HMAC token signed with the public key) are refused.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { SignJWT, createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { isHexColor, MAX_USER_NAME_LENGTH } from '../../shared/presence.js';
import { formatGrant, parseGrant, type DocumentGrant } from './access.js';

/** The claims Tandem reads. Registered claims (`exp`, `nbf`, `iat`) are checked as usual. */
export interface TandemClaims {
  /** User id. Required. */
  sub: string;
  /** Display name other users see; stamped over whatever the client claims. */
  name?: string;
  /** Caret colour, `#rrggbb`. */
  color?: string;
  /** Document grants, `pattern:read` or `pattern:write`. No grant, no access. */
  doc?: string[];
  /** May call the destructive admin API. */
  admin?: boolean;
}

/** Who a verified token says the user is, and what they may do. */
export interface Identity {
  userId: string;
  name: string | null;
  color: string | null;
  grants: DocumentGrant[];
  admin: boolean;
  /** When the token expires (ms since epoch), or null for a token without `exp`. */
  expiresAt: number | null;
}

/** How tokens are verified: a shared secret (HS*), a PEM public key (RS*, PS*, ES*, EdDSA), or a JWKS. */
export type VerificationKey = { kind: 'secret'; secret: string } | { kind: 'public-key'; pem: string } | { kind: 'jwks'; jwks: JSONWebKeySet };

/** Why a token was refused. `missing` and `invalid` map to 4401, `expired` to 4440. */
export type AuthFailure = 'missing' | 'invalid' | 'expired';

/** A refused token, with a reason that clients can tell apart. */
export class AuthError extends Error {
  constructor(
    readonly reason: AuthFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AuthError';
  }
}

/** Verifies tokens against one configured key. */
export interface TokenVerifier {
  verify(token: string | null | undefined): Promise<Identity>;
}

const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'];
const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const EC_ALGORITHMS = ['ES256', 'ES384', 'ES512'];
const EDDSA_ALGORITHMS = ['EdDSA', 'Ed25519'];

/** Secrets shorter than this are refused: HS256 with a guessable secret is no protection. */
export const MIN_SECRET_LENGTH = 16;

function secretBytes(secret: string): Uint8Array {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`the auth secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  return new TextEncoder().encode(secret);
}

function algorithmsForPublicKey(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return RSA_ALGORITHMS;
    case 'ec':
      return EC_ALGORITHMS;
    case 'ed25519':
      return EDDSA_ALGORITHMS;
    default:
      throw new Error(`unsupported public key type '${key.asymmetricKeyType ?? 'unknown'}'`);
  }
}

/** Builds a verifier for `key`. Throws on an unusable key (too short a secret, a private key). */
export function createTokenVerifier(key: VerificationKey): TokenVerifier {
  let getKey: JWTVerifyGetKey;
  let algorithms: string[];
  switch (key.kind) {
    case 'secret': {
      const secret = secretBytes(key.secret);
      getKey = () => secret;
      algorithms = HMAC_ALGORITHMS;
      break;
    }
    case 'public-key': {
      const publicKey = createPublicKey(key.pem);
      getKey = () => publicKey;
      algorithms = algorithmsForPublicKey(publicKey);
      break;
    }
    case 'jwks':
      getKey = createLocalJWKSet(key.jwks);
      algorithms = [...RSA_ALGORITHMS, ...EC_ALGORITHMS, ...EDDSA_ALGORITHMS];
      break;
  }
  return {
    async verify(token) {
      if (!token) throw new AuthError('missing', 'no token');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, getKey, { algorithms }));
      } catch (error) {
        if (error instanceof errors.JWTExpired) throw new AuthError('expired', 'token expired', { cause: error });
        throw new AuthError('invalid', 'invalid token', { cause: error });
      }
      return identityFromClaims(payload);
    },
  };
}

/** Reads and validates Tandem's claims; a malformed claim makes the whole token invalid. */
export function identityFromClaims(payload: JWTPayload): Identity {
  const { sub, name, color, doc, admin, exp } = payload as JWTPayload & Partial<Record<keyof TandemClaims, unknown>>;
  if (typeof sub !== 'string' || sub.length === 0) throw new AuthError('invalid', 'token has no subject');
  if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name.length > MAX_USER_NAME_LENGTH)) {
    throw new AuthError('invalid', 'token name claim is malformed');
  }
  if (color !== undefined && !isHexColor(color)) throw new AuthError('invalid', 'token color claim is not #rrggbb');
  if (doc !== undefined && !(Array.isArray(doc) && doc.every((grant) => typeof grant === 'string'))) {
    throw new AuthError('invalid', 'token doc claim must be a list of grants');
  }
  if (admin !== undefined && typeof admin !== 'boolean') throw new AuthError('invalid', 'token admin claim is not a boolean');
  let grants: DocumentGrant[];
  try {
    grants = (doc ?? []).map(parseGrant);
  } catch (error) {
    throw new AuthError('invalid', 'token has a malformed grant', { cause: error });
  }
  return {
    userId: sub,
    name: name ?? null,
    color: color ?? null,
    grants,
    admin: admin ?? false,
    expiresAt: typeof exp === 'number' ? exp * 1000 : null,
  };
}

/** What {@link mintToken} puts in a token. */
export interface MintOptions {
  secret: string;
  subject: string;
  name?: string;
  color?: string;
  grants: readonly DocumentGrant[];
  admin?: boolean;
  /** Lifetime in seconds. */
  ttlSeconds: number;
}

/**
 * Signs an HS256 token for local use and tests.
 *
 * @example
 * const token = await mintToken({ secret, subject: 'alice', name: 'Alice', grants: [parseGrant('team-*:write')], ttlSeconds: 3600 });
 */
export async function mintToken(options: MintOptions): Promise<string> {
  const claims: Omit<TandemClaims, 'sub'> = { doc: options.grants.map(formatGrant) };
  if (options.name !== undefined) claims.name = options.name;
  if (options.color !== undefined) claims.color = options.color;
  if (options.admin) claims.admin = true;
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.subject)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + options.ttlSeconds)
    .sign(secretBytes(options.secret));
}
