/**
 * The security settings of `tandem serve`: the token verification key (one of three flags), the
 * origins browsers may connect from, and the certificate for serving TLS directly. Each is checked
 * at start, so a bad key, list or certificate names its flag instead of failing every client later.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { KeyError, readVerificationKey, type KeySource } from './auth/keys.js';
import type { VerificationKey } from './auth/tokens.js';
import { ConfigError, type RawSetting } from './flags.js';

/** A certificate chain and its private key, both PEM, for serving https and wss directly. */
export interface TlsOptions {
  cert: string;
  key: string;
}

/** The configured verification key: at most one of the three key flags. */
export function readAuth(found: { secret: RawSetting; publicKey: RawSetting; jwks: RawSetting }): VerificationKey | null {
  const given = [
    found.secret && { setting: found.secret, source: { kind: 'secret', secret: found.secret.value } as KeySource },
    found.publicKey && { setting: found.publicKey, source: { kind: 'public-key', path: found.publicKey.value } as KeySource },
    found.jwks && { setting: found.jwks, source: { kind: 'jwks', path: found.jwks.value } as KeySource },
  ].filter((entry) => entry !== null);
  if (given.length === 0) return null;
  if (given.length > 1) {
    throw new ConfigError(given.map(({ setting }) => setting.flag).join(' and '), 'give only one of --auth-secret, --auth-public-key, --auth-jwks');
  }
  const [{ setting, source }] = given as [(typeof given)[number]];
  try {
    return readVerificationKey(source);
  } catch (error) {
    if (error instanceof KeyError) throw new ConfigError(setting.flag, error.message);
    throw error;
  }
}

/** Normalises each origin of a comma list to its serialised form (`https://host[:port]`). */
export function parseOrigins(flag: string, raw: string): string[] {
  const origins = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (origins.length === 0) throw new ConfigError(flag, 'expected a comma-separated list of origins');
  return origins.map((entry) => {
    let origin: string;
    try {
      origin = new URL(entry).origin;
    } catch {
      throw new ConfigError(flag, `'${entry}' is not an origin such as https://app.example.com`);
    }
    if (origin === 'null') throw new ConfigError(flag, `'${entry}' is not an origin such as https://app.example.com`);
    return origin;
  });
}

function readPem(setting: NonNullable<RawSetting>): string {
  try {
    return readFileSync(setting.value, 'utf8');
  } catch (error) {
    throw new ConfigError(setting.flag, `cannot read '${setting.value}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** The certificate and key, both or neither, checked by building a TLS context from them. */
export function readTls(cert: RawSetting, key: RawSetting): TlsOptions | null {
  if (cert === null && key === null) return null;
  if (cert === null || key === null) {
    throw new ConfigError((cert ?? key)?.flag ?? '--tls-cert', 'give both --tls-cert and --tls-key');
  }
  const tls = { cert: readPem(cert), key: readPem(key) };
  try {
    createSecureContext(tls);
  } catch (error) {
    throw new ConfigError(`${cert.flag} and ${key.flag}`, `not a usable certificate and key: ${error instanceof Error ? error.message : String(error)}`);
  }
  return tls;
}
