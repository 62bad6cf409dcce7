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
import { TEST_SECRET, serverAnswers, startBystanders, storedText, tokenFor } from '../helpers/attack.js';
import { ClientPool, openRaw, type RawClient } from '../helpers/clients.js';
import { syncUpdate } from '../helpers/frames.js';
import { readMetric, startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
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
  const pool = new ClientPool();
  const raws: RawClient[] = [];
  const dirs: string[] = [];
  let server: TestServer | null = null;

  afterEach(async () => {
    for (const raw of raws.splice(0)) raw.close();
    pool.destroyAll();
    await server?.close();
    server = null;
    for (const dir of dirs.splice(0)) await removeTempDir(dir);
  });

  async function start(auth: VerificationKey): Promise<{ server: TestServer; dataDir: string }> {
    const dataDir = await makeTempDir();
    dirs.push(dataDir);
    server = await startTestServer({ dataDir, auth });
    return { server, dataDir };
  }

  /**
   * Runs one attack against `target` while bystanders with `goodToken` work on the same document:
   * the attacker opens, at once sends an update, and must be closed with `code`.
   */
  async function attack(target: TestServer, dataDir: string, goodToken: string, token: string | null, code: number, reason = 'unauthenticated'): Promise<void> {
    const bystanders = await startBystanders(pool, target.wsUrl, DOC, { token: goodToken });
    const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
    const attacker = await openRaw(`${target.wsUrl}/${DOC}${query}`);
    raws.push(attacker);
    attacker.send(syncUpdate(textUpdate('evil;')));
    expect((await attacker.closed).code).toBe(code);
    expect(attacker.received).toEqual([]);
    expect(await serverAnswers(target.httpUrl)).toBe(true);
    const text = await bystanders.carryOn();
    expect(text).not.toContain('evil');
    expect(await readMetric(target.httpUrl, 'tandem_rooms_loaded')).toBe(1);
    expect(await readMetric(target.httpUrl, 'tandem_refusals_total', { reason })).toBe(1);
    pool.destroyAll();
    await target.close();
    server = null;
    expect(await storedText(dataDir, DOC)).toBe(text);
  }

  it.each(HMAC_ATTACKS)('$name is closed with $code, reads nothing, and the writers carry on', async ({ code, reason, token }) => {
    const { server: target, dataDir } = await start({ kind: 'secret', secret: TEST_SECRET });
    await attack(target, dataDir, await tokenFor(GOOD), await token(), code, reason);
  });

  it('refuses an HMAC token signed with the server\'s RSA public key (algorithm confusion) and admits RS256', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const { server: target, dataDir } = await start({ kind: 'public-key', pem });
    const good = await new SignJWT({ doc: GOOD }).setProtectedHeader({ alg: 'RS256' }).setSubject('ada').setExpirationTime('1h').sign(privateKey);
    const forged = await new SignJWT({ sub: 'mallory', doc: ['*:write'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(hmacKey(pem));
    await attack(target, dataDir, good, forged, CloseCode.Unauthenticated);
  });

  it('verifies ES256 tokens against a JWKS file by key id and refuses a key it does not hold', async () => {
    const trusted = await generateKeyPair('ES256', { extractable: true });
    const stranger = await generateKeyPair('ES256', { extractable: true });
    const dir = await makeTempDir();
    dirs.push(dir);
    const file = join(dir, 'jwks.json');
    await writeFile(file, JSON.stringify({ keys: [{ ...(await exportJWK(trusted.publicKey)), kid: 'k1', alg: 'ES256' }] }));
    const { server: target, dataDir } = await start(readVerificationKey({ kind: 'jwks', path: file }));
    const sign = (key: CryptoKey) =>
      new SignJWT({ doc: GOOD }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setSubject('ada').setExpirationTime('1h').sign(key);
    await attack(target, dataDir, await sign(trusted.privateKey), await sign(stranger.privateKey), CloseCode.Unauthenticated);
  });
});
