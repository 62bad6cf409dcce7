import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair } from 'jose';
import { accessFor, matchesPattern, parseGrant } from '../../server/auth/access.js';
import { parseDurationSeconds } from '../../server/auth/duration.js';
import { AuthError, createTokenVerifier, mintToken, type AuthFailure } from '../../server/auth/tokens.js';

const secret = 'a-test-secret-of-enough-length';
const hmac = createTokenVerifier({ kind: 'secret', secret });

async function refusal(promise: Promise<unknown>): Promise<AuthFailure> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthError);
  return (error as AuthError).reason;
}

function sign(claims: Record<string, unknown>, key: Uint8Array = new TextEncoder().encode(secret)) {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(key);
}

describe('tokens', () => {
  it('verifies a minted token and reads its identity and grants', async () => {
    const token = await mintToken({
      secret,
      subject: 'alice',
      name: 'Alice',
      color: '#336699',
      grants: [parseGrant('team-*:write'), parseGrant('wiki-*:read')],
      admin: true,
      ttlSeconds: 3600,
    });
    const identity = await hmac.verify(token);
    expect(identity).toMatchObject({ userId: 'alice', name: 'Alice', color: '#336699', admin: true });
    expect(accessFor(identity.grants, 'team-plan')).toBe('write');
    expect(accessFor(identity.grants, 'wiki-home')).toBe('read');
    expect(accessFor(identity.grants, 'secret')).toBeNull();
    expect(identity.expiresAt).toBeGreaterThan(Date.now() + 3_500_000);
  });

  it('refuses a missing token as missing', async () => {
    expect(await refusal(hmac.verify(undefined))).toBe('missing');
    expect(await refusal(hmac.verify(''))).toBe('missing');
  });

  it('refuses a token signed with another secret', async () => {
    const token = await sign({ sub: 'mallory' }, new TextEncoder().encode('another-secret-of-enough-length'));
    expect(await refusal(hmac.verify(token))).toBe('invalid');
  });

  it('refuses an unsigned token (alg none)', async () => {
    const token = new UnsecuredJWT({ sub: 'mallory', doc: ['*:write'] }).encode();
    expect(await refusal(hmac.verify(token))).toBe('invalid');
  });

  it('refuses an HMAC token signed with the public key of an RSA verifier (algorithm confusion)', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const verifier = createTokenVerifier({ kind: 'public-key', pem });
    const forged = await sign({ sub: 'mallory', doc: ['*:write'] }, new TextEncoder().encode(pem));
    expect(await refusal(verifier.verify(forged))).toBe('invalid');
  });

  it('verifies RS256 tokens against a PEM public key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const token = await new SignJWT({ doc: ['notes:read'] }).setProtectedHeader({ alg: 'RS256' }).setSubject('bob').setExpirationTime('5m').sign(privateKey);
    const identity = await createTokenVerifier({ kind: 'public-key', pem }).verify(token);
    expect(identity.userId).toBe('bob');
    expect(accessFor(identity.grants, 'notes')).toBe('read');
  });

  it('verifies ES256 tokens against a JWKS by key id', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    const token = await new SignJWT({ doc: ['*:write'] })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject('carol')
      .setExpirationTime('5m')
      .sign(privateKey);
    const identity = await createTokenVerifier({ kind: 'jwks', jwks: { keys: [jwk] } }).verify(token);
    expect(identity.userId).toBe('carol');
  });

  it('reports an expired token as expired, not invalid', async () => {
    const token = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 120)
      .sign(new TextEncoder().encode(secret));
    expect(await refusal(hmac.verify(token))).toBe('expired');
  });

  it('refuses tokens whose claims are malformed', async () => {
    for (const claims of [
      {},
      { sub: '' },
      { sub: 'a', name: 5 },
      { sub: 'a', color: 'red' },
      { sub: 'a', doc: 'team-*:write' },
      { sub: 'a', doc: ['team-*:admin'] },
      { sub: 'a', admin: 'yes' },
    ]) {
      expect(await refusal(hmac.verify(await sign(claims))), JSON.stringify(claims)).toBe('invalid');
    }
  });

  it('refuses to use or mint with a secret too short to resist guessing', async () => {
    expect(() => createTokenVerifier({ kind: 'secret', secret: 'short' })).toThrow(/at least/);
    await expect(mintToken({ secret: 'short', subject: 'a', grants: [], ttlSeconds: 60 })).rejects.toThrow(/at least/);
  });
});

describe('document access', () => {
  it('matches patterns with stars anywhere and literals exactly', () => {
    expect(matchesPattern('notes', 'notes')).toBe(true);
    expect(matchesPattern('notes', 'notes2')).toBe(false);
    expect(matchesPattern('*', 'any/thing')).toBe(true);
    expect(matchesPattern('team-*', 'team-')).toBe(true);
    expect(matchesPattern('team-*', 'tea')).toBe(false);
    expect(matchesPattern('*-draft', 'plan-draft')).toBe(true);
    expect(matchesPattern('a*b*c', 'aXbYc')).toBe(true);
    expect(matchesPattern('a*b*c', 'abc')).toBe(true);
    expect(matchesPattern('a*b*c', 'acb')).toBe(false);
    expect(matchesPattern('ab*ba', 'aba')).toBe(false);
    expect(matchesPattern('a.b', 'aXb')).toBe(false);
  });

  it('grants write over read whatever the order, and nothing without a match', () => {
    const grants = ['*:read', 'team-*:write'].map(parseGrant);
    expect(accessFor(grants, 'team-x')).toBe('write');
    expect(accessFor([...grants].reverse(), 'team-x')).toBe('write');
    expect(accessFor(grants, 'other')).toBe('read');
    expect(accessFor([], 'other')).toBeNull();
  });

  it('parses grants whose pattern contains colons, and refuses malformed ones', () => {
    expect(parseGrant('ns:doc:*:read')).toEqual({ pattern: 'ns:doc:*', mode: 'read' });
    for (const bad of ['notes', ':write', 'notes:', 'notes:admin']) expect(() => parseGrant(bad)).toThrow(/invalid document grant/);
  });

  it('parses durations with units and refuses nonsense', () => {
    expect(parseDurationSeconds('90')).toBe(90);
    expect(parseDurationSeconds('15m')).toBe(900);
    expect(parseDurationSeconds('1h')).toBe(3600);
    expect(parseDurationSeconds('7d')).toBe(604_800);
    for (const bad of ['', '0', '-5m', '1w', '1.5h', 'h']) expect(parseDurationSeconds(bad), bad).toBeNull();
  });
});
