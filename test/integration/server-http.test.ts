/**
 * HTTP: health, readiness, metrics, the demo app (with its document routes and no way out of its
 * folder), and the upgrade gate refusing capacity with an HTTP status before any socket exists.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientPool, openRaw, refusedStatus, type RawClient } from '../helpers/clients.js';
import { createMemoryStore } from '../../server/storage/memory-store.js';
import type { StoreHealth } from '../../server/storage/store.js';
import { readMetric, startTestServer, storeWith, type TestServer } from '../helpers/server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

describe('http', () => {
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

  async function raw(url: string): Promise<RawClient> {
    const client = await openRaw(url);
    raws.push(client);
    return client;
  }

  it('answers /readyz 503 with the reason while the store is failing, and 200 once it healed', async () => {
    const inner = createMemoryStore();
    let health: StoreHealth = { state: 'failing', reason: 'ENOSPC: no space left on device, write' };
    server = await startTestServer({ store: storeWith(inner, { health: () => health }) });
    const failing = await fetch(`${server.httpUrl}/readyz`);
    expect(failing.status).toBe(503);
    expect(await failing.text()).toBe('not ready: storage failing: ENOSPC: no space left on device, write\n');
    expect(await readMetric(server.httpUrl, 'tandem_storage_healthy')).toBe(0);
    health = { state: 'ok' };
    expect((await fetch(`${server.httpUrl}/readyz`)).status).toBe(200);
    expect(await readMetric(server.httpUrl, 'tandem_storage_healthy')).toBe(1);
    await inner.close();
  });

  it('answers health, readiness and metrics', async () => {
    server = await startTestServer();
    expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.httpUrl}/readyz`)).status).toBe(200);
    const metrics = await fetch(`${server.httpUrl}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    for (const name of [
      'tandem_connections',
      'tandem_rooms_loaded',
      'tandem_messages_total',
      'tandem_bytes_total',
      'tandem_update_apply_seconds',
      'tandem_persist_seconds',
      'tandem_connection_closes_total',
      'tandem_limit_hits_total',
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
  });

  it('counts messages and bytes by type and direction', async () => {
    server = await startTestServer();
    const client = await pool.connectSynced(server.wsUrl, 'doc');
    client.doc.getText('text').insert(0, 'counted');
    await pool.connectSynced(server.wsUrl, 'doc');
    expect(await readMetric(server.httpUrl, 'tandem_messages_total', { direction: 'in', type: 'sync_step1' })).toBeGreaterThanOrEqual(2);
    expect(await readMetric(server.httpUrl, 'tandem_messages_total', { direction: 'out', type: 'sync_step2' })).toBeGreaterThanOrEqual(2);
    expect(await readMetric(server.httpUrl, 'tandem_bytes_total', { direction: 'in', type: 'sync_update' })).toBeGreaterThan(0);
    expect(await readMetric(server.httpUrl, 'tandem_connections')).toBe(2);
  });

  it('serves the demo app at / and /d/<name>, its assets with their types, and nothing outside its folder', async () => {
    const app = await makeTempDir();
    dirs.push(app);
    await mkdir(join(app, 'assets'));
    await writeFile(join(app, 'index.html'), '<!doctype html><title>app</title>');
    await writeFile(join(app, 'assets', 'main.js'), 'console.log(1)');
    await writeFile(join(app, '..', 'secret.txt'), 'secret').catch(() => undefined);
    server = await startTestServer({ staticDir: app });
    const get = (path: string) => fetch(`${server?.httpUrl}${path}`);
    for (const path of ['/', '/d/notes', '/d/team%2Fplan']) {
      const response = await get(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await response.text()).toContain('<title>app</title>');
    }
    const script = await get('/assets/main.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    for (const path of ['/assets/missing.js', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%00']) {
      expect((await get(path)).status, path).toBe(404);
    }
  });

  it('closes an upgrade to an invalid document name with 4404, which a browser can read', async () => {
    server = await startTestServer();
    for (const path of ['/', '/a%2F..%2Fb', '/bad%ZZ']) {
      expect((await (await raw(`${server.wsUrl}${path}`)).closed).code, path).toBe(4404);
    }
  });

  it('refuses connections past the per-address limit with 429', async () => {
    server = await startTestServer({ limits: { maxConnectionsPerIp: 2 } });
    await raw(`${server.wsUrl}/a`);
    const second = await raw(`${server.wsUrl}/b`);
    expect(await refusedStatus(`${server.wsUrl}/c`)).toBe(429);
    second.close();
    await second.closed;
    await raw(`${server.wsUrl}/c`);
    expect(await readMetric(server.httpUrl, 'tandem_limit_hits_total', { limit: 'max_connections_per_ip' })).toBe(1);
  });

  it('refuses connections past the per-document limit with 503', async () => {
    server = await startTestServer({ limits: { maxConnectionsPerRoom: 2 } });
    await raw(`${server.wsUrl}/full`);
    await raw(`${server.wsUrl}/full`);
    expect(await refusedStatus(`${server.wsUrl}/full`)).toBe(503);
    await raw(`${server.wsUrl}/other`);
  });

  it('refuses a connection that would load one document too many with 503', async () => {
    server = await startTestServer({ limits: { maxLoadedRooms: 2 } });
    const a = await pool.connectSynced(server.wsUrl, 'one');
    await pool.connectSynced(server.wsUrl, 'two');
    expect(await refusedStatus(`${server.wsUrl}/three`)).toBe(503);
    await pool.connectSynced(server.wsUrl, 'one');
    expect(a.provider.wsconnected).toBe(true);
  });

  it('closes open sockets with 1001 when the server shuts down', async () => {
    server = await startTestServer();
    const client = await raw(`${server.wsUrl}/doc`);
    const closing = server.close();
    server = null;
    expect((await client.closed).code).toBe(1001);
    await closing;
  });
});
