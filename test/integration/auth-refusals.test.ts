/**
 * Issue 4, auth: an attacker without a valid token for the document is refused with the close code
 * the client acts on (4401 unauthenticated, 4440 expired, 4403 forbidden), on a socket from which
 * the server reads nothing: the update it sends at once is never applied. Meanwhile the server
 * answers and two legitimate clients on the same document carry on and lose nothing.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../shared/close-codes.js';
import { readVerificationKey } from '../../server/auth/keys.js';
import type { VerificationKey } from '../../server/auth/tokens.js';
import { Arena, TEST_SECRET, serverAnswers, startBystanders, tokenFor } from '../helpers/attack.js';
import { syncUpdate } from '../helpers/frames.js';
import { readMetric } from '../helpers/server.js';
import { textUpdate } from '../helpers/text-docs.js';

const DOC = 'team-plan';
const GOOD = ['team-*:write'];
const hmacKey = (secret: string) => new TextEncoder().encode(secret);

interface Attack {
  name: string;
  code: number;
  reason: string;
  /** The `?token=` the attacker presents, or null for none. */
  token: () => Promise<string | null>;
}

const HMAC_ATTACKS: Attack[] = [
  { name: 'no token', code: CloseCode.Unauthenticated, reason: 'unauthenticated', token: async () => null },
  { name: 'a token that is not a JWT', code: CloseCode.Unauthenticated, reason: 'unauthenticated', token: async () => 'not.a.jwt' },
  {
    name: 'a token signed with another secret',
    code: CloseCode.Unauthenticated,
    reason: 'unauthenticated',
    token: () => tokenFor(GOOD, { secret: 'another-secret-of-enough-length' }),
  },
  {
    name: 'an unsigned token (alg none)',
    code: CloseCode.Unauthenticated,
    reason: 'unauthenticated',
    token: async () => new UnsecuredJWT({ sub: 'mallory', doc: ['*:write'] }).setExpirationTime('1h').encode(),
  },
  {
    name: 'a token with a tampered payload',
    code: CloseCode.Unauthenticated,
    reason: 'unauthenticated',
    token: async () => {
      const [header, , signature] = (await tokenFor(['other:read'])).split('.');
      const payload = Buffer.from(JSON.stringify({ sub: 'mallory', doc: ['*:write'], exp: 9_999_999_999 })).toString('base64url');
      return `${header}.${payload}.${signature}`;
    },
  },
  {
    name: 'an expired token',
    code: CloseCode.TokenExpired,
    reason: 'expired',
    token: () =>
      new SignJWT({ doc: GOOD })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('late')
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(hmacKey(TEST_SECRET)),
  },
  { name: 'a valid token for other documents', code: CloseCode.Forbidden, reason: 'forbidden', token: () => tokenFor(['other-*:write', 'team:read']) },
];

describe('auth refusals', () => {
  const arena = new Arena();

  afterEach(() => arena.cleanup());

  /**
   * Runs one attack on a server verifying with `auth` while bystanders with `goodToken` work on
   * the same document: the attacker opens, at once sends an update, and must be closed with `code`.
   */
  async function attack(auth: VerificationKey, goodToken: string, token: string | null, code: number, reason = 'unauthenticated'): Promise<void> {
    const target = await arena.start({ auth });
    const bystanders = await startBystanders(arena.pool, target.wsUrl, DOC, { token: goodToken });
    const attacker = await arena.raw(`${DOC}${token === null ? '' : `?token=${encodeURIComponent(token)}`}`);
    attacker.send(syncUpdate(textUpdate('evil;')));
    expect((await attacker.closed).code).toBe(code);
    expect(attacker.received).toEqual([]);
    expect(await serverAnswers(target.httpUrl)).toBe(true);
    const text = await bystanders.carryOn();
    expect(text).not.toContain('evil');
    expect(await readMetric(target.httpUrl, 'tandem_rooms_loaded')).toBe(1);
    expect(await readMetric(target.httpUrl, 'tandem_refusals_total', { reason })).toBe(1);
    expect(await arena.stopAndRead(DOC)).toBe(text);
  }

  it.each(HMAC_ATTACKS)('$name is closed with $code, reads nothing, and the writers carry on', async ({ code, reason, token }) => {
    await attack({ kind: 'secret', secret: TEST_SECRET }, await tokenFor(GOOD), await token(), code, reason);
  });

  it("refuses an HMAC token signed with the server's RSA public key (algorithm confusion) and admits RS256", async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const good = await new SignJWT({ doc: GOOD }).setProtectedHeader({ alg: 'RS256' }).setSubject('ada').setExpirationTime('1h').sign(privateKey);
    const forged = await new SignJWT({ sub: 'mallory', doc: ['*:write'] }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(hmacKey(pem));
    await attack({ kind: 'public-key', pem }, good, forged, CloseCode.Unauthenticated);
  });

  it('verifies ES256 tokens against a JWKS file by key id and refuses a key it does not hold', async () => {
    const trusted = await generateKeyPair('ES256', { extractable: true });
    const stranger = await generateKeyPair('ES256', { extractable: true });
    const file = join(await arena.tempDir(), 'jwks.json');
    await writeFile(file, JSON.stringify({ keys: [{ ...(await exportJWK(trusted.publicKey)), kid: 'k1', alg: 'ES256' }] }));
    const sign = (key: CryptoKey) =>
      new SignJWT({ doc: GOOD }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setSubject('ada').setExpirationTime('1h').sign(key);
    const jwks = readVerificationKey({ kind: 'jwks', path: file });
    await attack(jwks, await sign(trusted.privateKey), await sign(stranger.privateKey), CloseCode.Unauthenticated);
  });
});
