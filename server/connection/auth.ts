/**
 * What a connection may do, decided once at the upgrade from its token: write or only read the
 * document, publish presence or not, under which identity, and until when. In open mode (no key
 * configured) every connection gets {@link OPEN_ACCESS}.
 */
import type { IncomingMessage } from 'node:http';
import { CloseCode } from '../../shared/close-codes.js';
import type { TandemUser } from '../embedding/hooks.js';
import { accessFor } from '../auth/access.js';
import { createPresenceStamp, displayName, type PresenceStamp } from '../auth/presence-stamp.js';
import { AuthError, createTokenVerifier, type Identity, type VerificationKey } from '../auth/tokens.js';

/** One connection's rights. */
export interface ConnectionAccess {
  /** May change the document; when false every update it sends is dropped (not applied, stored or relayed). */
  readonly write: boolean;
  /** May publish presence; when false its awareness messages are dropped. */
  readonly presence: boolean;
  /** Rewrites the presence it publishes to carry the token's identity; null in open mode. */
  readonly stamp: PresenceStamp | null;
  /** When the token expires (ms since epoch): the connection is closed with 4440 then. Null: never. */
  readonly expiresAt: number | null;
  /** The token's subject, for logs; null in open mode. */
  readonly userId: string | null;
  /** The user as the token or the app's `authenticate` named them, for hooks; null in open mode. */
  readonly user: TandemUser | null;
}

/** Open mode: everyone writes and shows presence as they like. */
export const OPEN_ACCESS: ConnectionAccess = Object.freeze({ write: true, presence: true, stamp: null, expiresAt: null, userId: null, user: null });

/** Why an upgrade was refused with a close code; the `reason` label of the refusal metric. */
export type RefusalReason = 'unauthenticated' | 'forbidden' | 'expired' | 'invalid_name' | 'auth_unavailable';

/** A refused upgrade: the socket is opened only to be closed with {@link code}. */
export class Refusal extends Error {
  constructor(
    readonly code: CloseCode,
    readonly reason: RefusalReason,
    options?: ErrorOptions,
  ) {
    super(`${reason} (close ${code})`, options);
    this.name = 'Refusal';
  }
}

/** Decides a connection's access from its token (and, for an app's own check, its request). */
export interface Authorizer {
  /** The access `token` gives to `documentName`; rejects with a {@link Refusal}. */
  authorize(token: string | null, documentName: string, request: IncomingMessage): Promise<ConnectionAccess>;
}

/** Options of {@link createAuthorizer}. */
export interface AuthorizerOptions {
  /** Let read-only connections publish presence. */
  readOnlyPresence: boolean;
}

/** An authorizer verifying tokens against `key`. Throws for an unusable key. */
export function createAuthorizer(key: VerificationKey, options: AuthorizerOptions): Authorizer {
  const verifier = createTokenVerifier(key);
  return {
    async authorize(token, documentName) {
      let identity: Identity;
      try {
        identity = await verifier.verify(token);
      } catch (error) {
        if (!(error instanceof AuthError)) throw error;
        if (error.reason === 'expired') throw new Refusal(CloseCode.TokenExpired, 'expired', { cause: error });
        throw new Refusal(CloseCode.Unauthenticated, 'unauthenticated', { cause: error });
      }
      const mode = accessFor(identity.grants, documentName);
      if (mode === null) throw new Refusal(CloseCode.Forbidden, 'forbidden');
      return {
        write: mode === 'write',
        presence: mode === 'write' || options.readOnlyPresence,
        stamp: createPresenceStamp({ name: displayName(identity.name, identity.userId), color: identity.color }),
        expiresAt: identity.expiresAt,
        userId: identity.userId,
        user: {
          id: identity.userId,
          ...(identity.name === null ? {} : { name: identity.name }),
          ...(identity.color === null ? {} : { color: identity.color }),
        },
      };
    },
  };
}
