/**
 * Issue 4, TLS: with a certificate and key the server speaks https and wss itself (no proxy), a
 * stock provider syncs over wss, plain ws is not answered, and a client that opens TCP and never
 * starts the TLS handshake is dropped at the handshake deadline. The certificate is a fresh
 * self-signed one made by Debian's openssl for each run.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { get } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { TlsOptions } from '../../server/index.js';
import { Arena, TEST_SECRET, tokenFor } from '../helpers/attack.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const DOC = 'team-secure';

/** A self-signed certificate for 127.0.0.1, valid for a day. */
async function selfSigned(dir: string): Promise<TlsOptions> {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
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
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { cert: await readFile(cert, 'utf8'), key: await readFile(key, 'utf8') };
}

/** The `ws` WebSocket trusting `ca`, in the shape y-websocket takes as its WebSocketPolyfill. */
function trusting(ca: string): typeof globalThis.WebSocket {
  return class TrustingWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { ca });
    }
  } as unknown as typeof globalThis.WebSocket;
}

/** Status and body of a GET over https trusting `ca`. */
function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** The error a WebSocket to `url` fails with. */
function socketError(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('error', (error) => resolve(error.message));
    socket.once('open', () => {
      socket.terminate();
      reject(new Error(`${url} opened`));
    });
  });
}

describe('tls', () => {
  const arena = new Arena();
  let tls: TlsOptions;
  let certDir: string;

  beforeAll(async () => {
    certDir = await makeTempDir();
    tls = await selfSigned(certDir);
    return () => removeTempDir(certDir);
  });

  const providers: WebsocketProvider[] = [];

  function destroyProviders(): void {
    for (const provider of providers.splice(0)) {
      provider.destroy();
      provider.doc.destroy();
    }
  }

  afterEach(async () => {
    destroyProviders();
    await arena.cleanup();
  });

  it('serves wss and https with the given certificate, and stock providers sync over it', async () => {
    const server = await arena.start({ tls, auth: { kind: 'secret', secret: TEST_SECRET } });
    expect(server.wsUrl).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    expect(server.httpUrl).toMatch(/^https:/);
    expect((await httpsGet(`${server.httpUrl}/healthz`, tls.cert)).status).toBe(200);
    const token = await tokenFor(['team-*:write']);
    const open = (): WebsocketProvider => {
      const provider = new WebsocketProvider(server.wsUrl, DOC, new Y.Doc(), {
        WebSocketPolyfill: trusting(tls.cert),
        disableBc: true,
        params: { token },
      });
      providers.push(provider);
      return provider;
    };
    const [a, b] = [open(), open()];
    await waitFor(() => a.synced && b.synced, { message: 'both synced over wss' });
    a.doc.getText('text').insert(0, 'over tls');
    await waitFor(() => b.doc.getText('text').toString() === 'over tls', { message: 'the edit over wss' });
    // Without the certificate trusted the handshake fails, and plain ws gets no answer it can use.
    expect(await socketError(`${server.wsUrl}/${DOC}?token=${token}`)).toMatch(/certificate/i);
    expect(await socketError(`${server.wsUrl.replace('wss:', 'ws:')}/${DOC}?token=${token}`)).not.toBe('');
    destroyProviders();
    expect(await arena.stopAndRead(DOC)).toBe('over tls');
  });

  it('drops a client that never starts the TLS handshake at the handshake deadline', async () => {
    const server = await arena.start({ tls, limits: { handshakeTimeoutMs: 300 } });
    const opened = Date.now();
    const socket = connect(server.port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('close', resolve));
    expect(Date.now() - opened).toBeGreaterThanOrEqual(250);
    const metrics = await httpsGet(`${server.httpUrl}/metrics`, tls.cert);
    expect(metrics.body).toContain('tandem_limit_hits_total{limit="handshake_timeout_ms"} 1');
  });
});
