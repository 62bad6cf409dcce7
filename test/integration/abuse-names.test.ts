/**
 * Issue 4, document names: an upgrade to an invalid or hostile name (path tricks, encoded
 * separators, control characters, bad percent-encoding, too long) completes the handshake only to
 * close with 4404, loads no document and stores nothing, while writers elsewhere carry on. The
 * requests are written byte for byte, since WebSocket libraries normalise `..` away.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../shared/close-codes.js';
import { MAX_DOCUMENT_NAME_LENGTH } from '../../shared/document-name.js';
import { Arena, rawUpgrade, serverAnswers, startBystanders, storedNames } from '../helpers/attack.js';
import { readMetric } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';

/** The status of `GET <path>` sent byte for byte. */
function rawGetStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let answer = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
  });
}

const HOSTILE_PATHS = [
  '/',
  '//',
  '/..',
  '/../etc/passwd',
  '/a/../b',
  '/a/./b',
  '/a//b',
  '/a/',
  '/%2e%2e',
  '/%2E%2E%2Fetc%2Fpasswd',
  '/a%2F..%2Fb',
  '/%00',
  '/x%0Ay',
  '/x%0D%0ASet-Cookie:%20a',
  '/bad%ZZ',
  '/%E0%A4%A',
  '/%C0%AE%C0%AE',
  '/..%5C..%5Cwindows',
  '/%3Cscript%3E',
  '/a%20b',
  `/${'x'.repeat(MAX_DOCUMENT_NAME_LENGTH + 1)}`,
];

describe('document names', () => {
  const arena = new Arena();

  afterEach(() => arena.cleanup());

  it('closes every hostile name with 4404, loads nothing and stores nothing, while writers carry on', async () => {
    const server = await arena.start();
    const bystanders = await startBystanders(arena.pool, server.wsUrl, 'kept');
    for (const path of HOSTILE_PATHS) {
      expect(await rawUpgrade(server.port, path), path).toEqual({ status: 101, closeCode: CloseCode.InvalidDocumentName });
    }
    expect(await readMetric(server.httpUrl, 'tandem_refusals_total', { reason: 'invalid_name' })).toBe(HOSTILE_PATHS.length);
    expect(await readMetric(server.httpUrl, 'tandem_rooms_loaded')).toBe(1);
    expect(await serverAnswers(server.httpUrl)).toBe(true);
    const text = await bystanders.carryOn();
    expect(await arena.stopAndRead('kept')).toBe(text);
    expect(await storedNames(arena.dataDir)).toEqual(['kept']);
  });

  it('admits the unusual names that are valid', async () => {
    const server = await arena.start();
    const names = ['team/plan', 'a:b@c~d+e', 'x'.repeat(MAX_DOCUMENT_NAME_LENGTH), 'v1.2_draft-3'];
    for (const name of names) {
      const client = await arena.raw(name.split('/').map(encodeURIComponent).join('/'));
      await waitFor(() => client.received.length > 0, { message: `the server step 1 for ${name}` });
    }
    expect(await readMetric(server.httpUrl, 'tandem_rooms_loaded')).toBe(names.length);
  });

  it('answers a request line the HTTP parser cannot read with 400, before the gate', async () => {
    const server = await arena.start();
    expect((await rawUpgrade(server.port, '/a\u0000b')).status).toBe(400);
    expect(await serverAnswers(server.httpUrl)).toBe(true);
  });

  it('answers plain HTTP requests for hostile paths with 404', async () => {
    const server = await arena.start();
    for (const path of ['//', '//evil.example/x', '/..', '/%2e%2e/%2e%2e/etc/passwd']) {
      expect(await rawGetStatus(server.port, path), path).toBe(404);
    }
    expect(await serverAnswers(server.httpUrl)).toBe(true);
  });
});
