/**
 * The verification key an operator configures, read from where the flags point: a shared secret
 * given inline, or a PEM public key or a JWKS in a file. Each is checked by building a verifier
 * from it, so a bad key stops the server at start instead of refusing every client later.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JSONWebKeySet } from 'jose';
import { createTokenVerifier, type VerificationKey } from './tokens.js';

/** Where a key comes from: the secret itself, or the path of a PEM public key or JWKS file. */
export type KeySource = { kind: 'secret'; secret: string } | { kind: 'public-key'; path: string } | { kind: 'jwks'; path: string };

/** A key that cannot be used; the message says why in words an operator can act on. */
export class KeyError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KeyError';
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new KeyError(`cannot read '${path}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
}

function parseJwks(path: string): JSONWebKeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readText(path));
  } catch (error) {
    if (error instanceof KeyError) throw error;
    throw new KeyError(`'${path}' is not JSON`, { cause: error });
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new KeyError(`'${path}' is not a JWKS: expected {"keys": [...]} with at least one key`);
  keys.forEach((jwk: unknown, i) => {
    checkPublicJwk(jwk, `'${path}' key ${i}`);
  });
  return parsed as JSONWebKeySet;
}

/**
 * A JWKS entry must be a public RSA, EC or OKP key: a symmetric (`oct`) key would let anyone who
 * read the file sign tokens, and a private key does not belong on the server.
 */
function checkPublicJwk(jwk: unknown, where: string): void {
  if (typeof jwk !== 'object' || jwk === null) throw new KeyError(`${where} is not an object`);
  const { kty, d } = jwk as { kty?: unknown; d?: unknown };
  if (kty === 'oct') throw new KeyError(`${where} is a symmetric key: use --auth-secret for shared secrets`);
  if (d !== undefined) throw new KeyError(`${where} is a private key: the server needs only the public part`);
  try {
    createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch (error) {
    throw new KeyError(`${where} is not a usable public key`, { cause: error });
  }
}

function readPublicPem(path: string): string {
  const pem = readText(path);
  if (pem.includes('PRIVATE KEY')) throw new KeyError(`'${path}' holds a private key: the server needs only the public key`);
  try {
    createPublicKey(pem);
  } catch (error) {
    throw new KeyError(`'${path}' is not a PEM public key`, { cause: error });
  }
  return pem;
}

/** Reads and checks the key `source` names; throws a {@link KeyError} for anything unusable. */
export function readVerificationKey(source: KeySource): VerificationKey {
  let key: VerificationKey;
  switch (source.kind) {
    case 'secret':
      key = { kind: 'secret', secret: source.secret };
      break;
    case 'public-key':
      key = { kind: 'public-key', pem: readPublicPem(source.path) };
      break;
    case 'jwks':
      key = { kind: 'jwks', jwks: parseJwks(source.path) };
      break;
    default:
      return source satisfies never;
  }
  try {
    createTokenVerifier(key);
  } catch (error) {
    throw new KeyError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  return key;
}
