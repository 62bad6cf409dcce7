/**
 * Issue 4, the command line: `tandem token` prints a token alone on stdout, signed with the same
 * secret flag or variable as the server; a bad key, certificate or origin list names its flag and
 * exits 2; a served instance with a secret admits the minted token and refuses no token; listening
 * beyond loopback without a key logs a warning.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../shared/close-codes.js';
import { accessFor } from '../../server/auth/access.js';
import { createTokenVerifier } from '../../server/auth/tokens.js';
import { Arena, TEST_SECRET } from '../helpers/attack.js';
import { runCli, spawnServer, type ChildServer, type CliRun } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';

describe('cli auth', () => {
  const arena = new Arena();
  const children: (ChildServer | CliRun)[] = [];

  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.process.kill('SIGKILL');
      await child.exited;
    }
    await arena.cleanup();
  });

  it('tandem token prints only a token that carries every flag, signed with TANDEM_AUTH_SECRET', async () => {
    const args = [
      'token',
      '--sub',
      'alice',
      '--name',
      'Alice',
      '--doc',
      'team-*:write',
      '--doc',
      'wiki-*:read',
      '--ttl',
      '1h',
      '--color',
      '#336699',
      '--admin',
    ];
    const { code, stdout, stderr } = await runCli(args, { TANDEM_AUTH_SECRET: TEST_SECRET }).exited;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const identity = await createTokenVerifier({ kind: 'secret', secret: TEST_SECRET }).verify(stdout.trim());
    expect(identity).toMatchObject({ userId: 'alice', name: 'Alice', color: '#336699', admin: true });
    expect([accessFor(identity.grants, 'team-a'), accessFor(identity.grants, 'wiki-b'), accessFor(identity.grants, 'other')]).toEqual(['write', 'read', null]);
    expect((identity.expiresAt ?? 0) - Date.now()).toBeGreaterThan(3_590_000);
    expect((identity.expiresAt ?? 0) - Date.now()).toBeLessThanOrEqual(3_600_000);
  });

  it.each([
    [['token', '--sub', 'a', '--doc', 'x:write'], {}, '--auth-secret'],
    [['token', '--sub', 'a', '--doc', 'x:write', '--auth-secret', 'short'], {}, '--auth-secret'],
    [['token', '--doc', 'x:write'], { TANDEM_AUTH_SECRET: TEST_SECRET }, '--sub'],
    [['token', '--sub', 'a'], { TANDEM_AUTH_SECRET: TEST_SECRET }, '--doc'],
    [['token', '--sub', 'a', '--doc', 'x:admin'], { TANDEM_AUTH_SECRET: TEST_SECRET }, '--doc'],
    [['token', '--sub', 'a', '--doc', 'x:read', '--ttl', 'forever'], { TANDEM_AUTH_SECRET: TEST_SECRET }, '--ttl'],
    [['token', '--sub', 'a', '--doc', 'x:read', '--color', 'red'], { TANDEM_AUTH_SECRET: TEST_SECRET }, '--color'],
    [['serve', '--auth-secret', 'short'], {}, '--auth-secret'],
    [['serve', '--auth-secret', TEST_SECRET, '--auth-jwks', '/nope.json'], {}, '--auth-secret and --auth-jwks'],
    [['serve', '--auth-public-key', '/no/such/key.pem'], {}, '--auth-public-key'],
    [['serve', '--auth-jwks', '/no/such/jwks.json'], {}, '--auth-jwks'],
    [['serve', '--tls-cert', '/no/such/cert.pem'], {}, '--tls-key'],
    [['serve', '--allowed-origins', 'not an origin'], {}, '--allowed-origins'],
    [['serve'], { TANDEM_READ_ONLY_PRESENCE: 'maybe' }, 'TANDEM_READ_ONLY_PRESENCE'],
  ] as [string[], Record<string, string>, string][])('%j exits 2 (environment %j) naming %s', async (args, env, named) => {
    const { code, stderr } = await runCli(args, env).exited;
    expect(code).toBe(2);
    expect(stderr).toContain(named);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a private key, a symmetric JWKS key and a mismatched certificate, naming the flag', async () => {
    const dir = await arena.tempDir();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const privatePem = join(dir, 'private.pem');
    await writeFile(privatePem, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const octJwks = join(dir, 'oct.json');
    await writeFile(octJwks, JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        join(dir, 'c.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=x',
      ],
      { stdio: 'ignore' },
    );
    const cases: [string[], string][] = [
      [['--auth-public-key', privatePem], 'private key'],
      [['--auth-jwks', octJwks], 'symmetric'],
      [['--tls-cert', join(dir, 'c.pem'), '--tls-key', privatePem], '--tls-cert and --tls-key'],
    ];
    for (const [args, said] of cases) {
      const { code, stderr } = await runCli(['serve', ...args]).exited;
      expect({ code, said: stderr.includes(said) }, stderr).toEqual({ code: 2, said: true });
    }
  });

  it('a server started with --auth-secret admits a token from tandem token and closes a missing one with 4401', async () => {
    const child = await spawnServer(await arena.tempDir(), 0, ['--auth-secret', TEST_SECRET]);
    children.push(child);
    const { stdout } = await runCli(['token', '--sub', 'ada', '--doc', 'notes:write'], { TANDEM_AUTH_SECRET: TEST_SECRET }).exited;
    const admitted = await arena.raw(`${child.wsUrl}/notes?token=${stdout.trim()}`);
    await waitFor(() => admitted.received.length > 0, { message: 'the server step 1' });
    const refused = await arena.raw(`${child.wsUrl}/notes`);
    expect((await refused.closed).code).toBe(CloseCode.Unauthenticated);
  });

  it('warns at start when it listens beyond loopback with no key configured', async () => {
    const run = runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--data', await arena.tempDir(), '--static-dir', 'none']);
    children.push(run);
    await waitFor(() => run.output().stdout.includes('"listening"'), { timeout: 20_000, message: 'the server to listen' });
    await waitFor(() => run.output().stdout.includes('open mode'), { message: 'the open mode warning' });
    const quiet = runCli(['serve', '--port', '0', '--data', await arena.tempDir(), '--static-dir', 'none']);
    children.push(quiet);
    await waitFor(() => quiet.output().stdout.includes('"listening"'), { timeout: 20_000, message: 'the loopback server to listen' });
    expect(quiet.output().stdout).not.toContain('open mode');
  });
});
