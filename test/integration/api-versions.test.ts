/**
 * Version history over HTTP, with stock y-websocket clients: create, list newest first, export a
 * version in every format, restore as one live edit (a connected client sees the old content; a
 * `before-restore` version keeps what was there), plain-text documents too, the tokens' read and
 * write grants, and kill -9 after a restore losing neither the restored content nor any version.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseGrant } from '../../server/auth/access.js';
import { mintToken } from '../../server/auth/tokens.js';
import { ClientPool } from '../helpers/clients.js';
import { spawnServer, startTestServer, type ChildServer, type TestServer } from '../helpers/server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const SECRET = 'versions-test-secret-0123456789';
const pool = new ClientPool();
const servers: TestServer[] = [];
const children: ChildServer[] = [];
const dirs: string[] = [];

afterEach(async () => {
  pool.destroyAll();
  for (const child of children.splice(0)) {
    child.process.kill('SIGKILL');
    await child.exited;
  }
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(dirs.splice(0).map((dir) => removeTempDir(dir)));
});

async function serve(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const server = await startTestServer(options);
  servers.push(server);
  return server;
}

interface Version {
  id: string;
  label: string | null;
  kind: string;
  createdBy: string | null;
  createdAt: number;
  bytes: number;
}

function api(base: string, name: string, path = '', init: RequestInit = {}): Promise<Response> {
  return fetch(`${base}/api/documents/${encodeURIComponent(name)}${path}`, init);
}

async function createVersion(base: string, name: string, label?: string, headers: Record<string, string> = {}): Promise<Version> {
  const response = await api(base, name, '/versions', { method: 'POST', body: JSON.stringify(label === undefined ? {} : { label }), headers });
  expect(response.status).toBe(201);
  return (await response.json()) as Version;
}

async function put(base: string, name: string, format: string, body: string, replace = false): Promise<void> {
  const response = await api(base, name, `?format=${format}${replace ? '&replace=1' : ''}`, { method: 'PUT', body });
  expect(response.status).toBeLessThan(300);
}

describe('versions over HTTP', () => {
  it('creates named versions, lists them newest first, and exports each in every format', async () => {
    const server = await serve();
    await put(server.httpUrl, 'report', 'markdown', '# Report\n\nFirst **draft**');
    const first = await createVersion(server.httpUrl, 'report', 'First draft');
    expect(first).toMatchObject({ label: 'First draft', kind: 'manual', createdBy: null });
    await put(server.httpUrl, 'report', 'markdown', '# Report\n\nSecond draft', true);
    const second = await createVersion(server.httpUrl, 'report');
    const listed = (await (await api(server.httpUrl, 'report', '/versions')).json()) as { versions: Version[] };
    expect(listed.versions.map((v) => v.id)).toEqual([second.id, first.id]);
    const read = async (id: string, format: string) => (await api(server.httpUrl, 'report', `/versions/${id}?format=${format}`)).text();
    expect(await read(first.id, 'markdown')).toBe('# Report\n\nFirst **draft**');
    expect(await read(first.id, 'text')).toContain('First draft');
    expect(await read(first.id, 'html')).toBe('<h1>Report</h1><p>First <strong>draft</strong></p>');
    expect(JSON.parse(await read(first.id, 'json'))).toMatchObject({ type: 'doc' });
    expect((await api(server.httpUrl, 'report', `/versions/${first.id}?format=yjs`)).headers.get('content-type')).toBe('application/octet-stream');
    expect((await api(server.httpUrl, 'report', '/versions/nope?format=text')).status).toBe(404);
    expect((await api(server.httpUrl, 'missing', '/versions', { method: 'POST' })).status).toBe(404);
  });

  it('restores a version as one live edit that a connected client sees, after saving a before-restore version', async () => {
    const server = await serve();
    await put(server.httpUrl, 'plan', 'text', 'the old plan');
    const old = await createVersion(server.httpUrl, 'plan', 'Old');
    await put(server.httpUrl, 'plan', 'text', 'the new plan, rewritten', true);
    const client = await pool.connectSynced(server.wsUrl, 'plan');
    const text = () => client.doc.getXmlFragment('default').toString();
    expect(text()).toContain('the new plan, rewritten');
    const response = await api(server.httpUrl, 'plan', `/versions/${old.id}/restore`, { method: 'POST' });
    expect(response.status).toBe(200);
    const { beforeRestore } = (await response.json()) as { beforeRestore: Version };
    expect(beforeRestore.kind).toBe('before-restore');
    await waitFor(() => text().includes('the old plan') && !text().includes('rewritten'), { message: 'the client to see the restored content' });
    expect(await (await api(server.httpUrl, 'plan', `/versions/${beforeRestore.id}?format=text`)).text()).toBe('the new plan, rewritten');
    expect(await (await api(server.httpUrl, 'plan', '?format=text')).text()).toBe('the old plan');
  });

  it('restores a plain-text document into its Y.Text', async () => {
    const server = await serve();
    const writer = await pool.connectSynced(server.wsUrl, 'notes');
    writer.doc.transact(() => {
      writer.doc.getMap('tandem').set('format', 'plaintext');
      writer.doc.getText('text').insert(0, 'line one\nline two');
    });
    await waitFor(async () => (await (await api(server.httpUrl, 'notes', '?format=text')).text()) === 'line one\nline two', { message: 'the text stored' });
    const version = await createVersion(server.httpUrl, 'notes');
    writer.doc.getText('text').insert(8, ' and more');
    await waitFor(async () => (await (await api(server.httpUrl, 'notes', '?format=text')).text()).includes('and more'), { message: 'the edit stored' });
    expect((await api(server.httpUrl, 'notes', `/versions/${version.id}/restore`, { method: 'POST' })).status).toBe(200);
    await waitFor(() => writer.doc.getText('text').toString() === 'line one\nline two', { message: 'the writer to see the restored text' });
  });

  it('lets a read grant list and read versions, and only a write grant create and restore them', async () => {
    const server = await serve({ auth: { kind: 'secret', secret: SECRET } });
    const writer = await mintToken({ secret: SECRET, subject: 'ada', grants: [parseGrant('doc:write')], ttlSeconds: 60 });
    const reader = await mintToken({ secret: SECRET, subject: 'bob', grants: [parseGrant('doc:read')], ttlSeconds: 60 });
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    expect((await api(server.httpUrl, 'doc', '?format=text', { method: 'PUT', body: 'x', headers: as(writer) })).status).toBe(201);
    const version = await createVersion(server.httpUrl, 'doc', 'by ada', as(writer));
    expect(version.createdBy).toBe('ada');
    expect((await api(server.httpUrl, 'doc', '/versions', { headers: as(reader) })).status).toBe(200);
    expect((await api(server.httpUrl, 'doc', `/versions/${version.id}?format=text`, { headers: as(reader) })).status).toBe(200);
    expect((await api(server.httpUrl, 'doc', '/versions', { method: 'POST', headers: as(reader) })).status).toBe(403);
    expect((await api(server.httpUrl, 'doc', `/versions/${version.id}/restore`, { method: 'POST', headers: as(reader) })).status).toBe(403);
    expect((await api(server.httpUrl, 'doc', '/versions')).status).toBe(401);
  });

  it('keeps the restored content and every version through kill -9', async () => {
    const dir = await makeTempDir('tandem-versions-');
    dirs.push(dir);
    const first = await spawnServer(dir);
    children.push(first);
    await put(first.httpUrl, 'kept', 'text', 'version one');
    const one = await createVersion(first.httpUrl, 'kept', 'One');
    await put(first.httpUrl, 'kept', 'text', 'version two', true);
    expect((await api(first.httpUrl, 'kept', `/versions/${one.id}/restore`, { method: 'POST' })).status).toBe(200);
    first.process.kill('SIGKILL');
    await first.exited;
    children.splice(0);
    const second = await spawnServer(dir);
    children.push(second);
    expect(await (await api(second.httpUrl, 'kept', '?format=text')).text()).toBe('version one');
    const listed = (await (await api(second.httpUrl, 'kept', '/versions')).json()) as { versions: Version[] };
    expect(listed.versions.map((v) => v.kind)).toEqual(['before-restore', 'manual']);
  });

  it('deleting a document deletes its versions', async () => {
    const server = await serve();
    await put(server.httpUrl, 'gone', 'text', 'x');
    await createVersion(server.httpUrl, 'gone');
    expect((await api(server.httpUrl, 'gone', '', { method: 'DELETE' })).status).toBe(204);
    expect(((await (await api(server.httpUrl, 'gone', '/versions')).json()) as { versions: Version[] }).versions).toEqual([]);
  });
});
