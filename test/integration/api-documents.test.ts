import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../../shared/close-codes.js';
import { parseGrant } from '../../server/auth/access.js';
import { mintToken } from '../../server/auth/tokens.js';
import { renderJson, updateToJson } from '../../server/api/convert.js';
import { ClientPool, type TestClient } from '../helpers/clients.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';

const SECRET = 'api-test-secret-0123456789';
let server: TestServer | null = null;
const pool = new ClientPool();

afterEach(async () => {
  pool.destroyAll();
  await server?.close();
  server = null;
});

async function start(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  server = await startTestServer(options);
  return server;
}

function url(name: string, query = ''): string {
  if (server === null) throw new Error('no server');
  return `${server.httpUrl}/api/documents/${encodeURIComponent(name)}${query}`;
}

function put(name: string, format: string, body: string | Uint8Array<ArrayBuffer>, query = '', headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url(name, `?format=${format}${query}`), { method: 'PUT', body, headers });
}

async function get(name: string, format: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(url(name, `?format=${format}`), { headers });
  expect(response.status).toBe(200);
  return response.text();
}

function clientText(client: TestClient): string {
  return renderJson(updateToJson(Y.encodeStateAsUpdate(client.doc)), 'text');
}

describe('document API', () => {
  it('keeps HTML stable through import and export', async () => {
    await start();
    const html =
      '<h1>Plan</h1><p>Ship <strong>bold</strong> and <em>careful</em> <code>code</code></p><ul><li><p>one</p></li><li><p>two</p></li></ul><blockquote><p>quoted</p></blockquote>';
    expect((await put('html-doc', 'html', html)).status).toBe(201);
    const first = await get('html-doc', 'html');
    expect(first).toBe(html);
    expect((await put('html-doc-2', 'html', first)).status).toBe(201);
    expect(await get('html-doc-2', 'html')).toBe(first);
  });

  it('keeps Markdown stable through import and export on the supported subset', async () => {
    await start();
    const markdown = '# Title\n\nSome **bold** and *italic* text with `code`.\n\n- one\n- two\n\n1. first\n2. second\n\n> quoted\n\n```\nconst x = 1;\n```';
    expect((await put('md', 'markdown', markdown)).status).toBe(201);
    const exported = await get('md', 'markdown');
    expect(exported.trim()).toBe(markdown);
    expect((await put('md-2', 'markdown', exported)).status).toBe(201);
    expect(await get('md-2', 'markdown')).toBe(exported);
  });

  it('round-trips JSON, plain text and the Yjs update', async () => {
    await start();
    expect((await put('text', 'text', 'first line\n\nthird line')).status).toBe(201);
    expect(await get('text', 'text')).toBe('first line\n\nthird line');
    const json = await get('text', 'json');
    expect((await put('json', 'json', json)).status).toBe(201);
    expect(await get('json', 'json')).toBe(json);
    const yjs = new Uint8Array(await (await fetch(url('json', '?format=yjs'))).arrayBuffer());
    expect((await put('yjs', 'yjs', yjs)).status).toBe(201);
    expect(await get('yjs', 'text')).toBe('first line\n\nthird line');
  });

  it('answers a second create with 409 and never duplicates the content', async () => {
    await start();
    const [a, b] = await Promise.all([put('seed', 'text', 'hello'), put('seed', 'text', 'hello')]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const again = await put('seed', 'text', 'hello');
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'already_exists' });
    expect(await get('seed', 'text')).toBe('hello');
  });

  it('replaces the content live in two connected editors', async () => {
    const started = await start();
    expect((await put('live', 'text', 'before')).status).toBe(201);
    const alice = await pool.connectSynced(started.wsUrl, 'live');
    const bob = await pool.connectSynced(started.wsUrl, 'live');
    await waitFor(() => clientText(alice) === 'before' && clientText(bob) === 'before', { message: 'both editors loaded' });
    expect((await put('live', 'markdown', 'after **all**', '&replace=1')).status).toBe(200);
    await waitFor(() => clientText(alice) === 'after all' && clientText(bob) === 'after all', { message: 'both editors updated' });
    expect(await get('live', 'markdown')).toBe('after **all**');
  });

  it('exports a plain-text document from its Y.Text, as text and as one paragraph per line', async () => {
    const started = await start();
    const writer = await pool.connectSynced(started.wsUrl, 'notes');
    writer.doc.transact(() => {
      writer.doc.getMap('tandem').set('format', 'plaintext');
      writer.doc.getText('text').insert(0, '# Heading\nline two');
    });
    await waitFor(async () => (await fetch(url('notes', '?format=text'))).status === 200, { message: 'the document stored' });
    await waitFor(async () => (await get('notes', 'text')) === '# Heading\nline two', { message: 'the text exported' });
    expect(await get('notes', 'markdown')).toBe('# Heading\nline two');
    expect(await get('notes', 'html')).toBe('<p># Heading</p><p>line two</p>');
  });

  it('lists documents with size, updated-at and connected clients, page by page', async () => {
    const started = await start();
    for (const name of ['a', 'b', 'c']) expect((await put(name, 'text', name)).status).toBe(201);
    await pool.connectSynced(started.wsUrl, 'b');
    const first = (await (await fetch(`${started.httpUrl}/api/documents?limit=2`)).json()) as {
      documents: { name: string; bytes: number; updatedAt: string; clients: number }[];
      next: string | null;
    };
    expect(first.documents.map((d) => d.name)).toEqual(['a', 'b']);
    expect(first.documents[1]).toMatchObject({ name: 'b', clients: 1 });
    expect(first.documents[0]?.bytes).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(first.documents[0]?.updatedAt ?? ''))).toBe(false);
    const second = (await (await fetch(`${started.httpUrl}/api/documents?limit=2&after=${first.next ?? ''}`)).json()) as {
      documents: { name: string }[];
      next: string | null;
    };
    expect(second.documents.map((d) => d.name)).toEqual(['c']);
    expect(second.next).toBeNull();
  });

  it('deletes a document and closes its clients with 4410', async () => {
    const started = await start();
    expect((await put('doomed', 'text', 'bye')).status).toBe(201);
    const client = await pool.connectSynced(started.wsUrl, 'doomed');
    const codes: number[] = [];
    client.provider.on('connection-close', (event: CloseEvent | null) => {
      if (event !== null) codes.push(event.code);
      client.provider.shouldConnect = false;
    });
    const response = await fetch(url('doomed'), { method: 'DELETE' });
    expect(response.status).toBe(204);
    await waitFor(() => codes.includes(CloseCode.DocumentDeleted), { message: 'close 4410' });
    expect((await fetch(url('doomed', '?format=text'))).status).toBe(404);
    expect((await fetch(url('doomed'), { method: 'DELETE' })).status).toBe(404);
  });

  it('refuses an unknown format with 400 listing the formats, and an oversized body with 413', async () => {
    await start({ limits: { maxFrameBytes: 1024 } });
    const unknown = await fetch(url('x', '?format=docx'));
    expect(unknown.status).toBe(400);
    const body = (await unknown.json()) as { code: string; message: string };
    expect(body.code).toBe('unknown_format');
    expect(body.message).toContain('yjs, json, html, markdown, text');
    const large = await put('x', 'text', 'x'.repeat(4096));
    expect(large.status).toBe(413);
    expect(await large.json()).toMatchObject({ code: 'too_large' });
    const bad = await put('x', 'json', '{"type":"doc","content":[{"type":"nope"}]}');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'bad_content' });
  });

  it('uses the WebSocket tokens: read grants to get, write grants to put, the admin claim to delete', async () => {
    await start({ auth: { kind: 'secret', secret: SECRET } });
    const token = (doc: string, admin = false): Promise<string> =>
      mintToken({ secret: SECRET, subject: 'u', grants: [parseGrant(doc)], ttlSeconds: 60, admin });
    const bearer = async (doc: string, admin = false): Promise<Record<string, string>> => ({ authorization: `Bearer ${await token(doc, admin)}` });
    expect((await put('team', 'text', 'x')).status).toBe(401);
    expect((await put('team', 'text', 'x', '', await bearer('team:read'))).status).toBe(403);
    expect((await put('team', 'text', 'x', '', await bearer('team:write'))).status).toBe(201);
    expect((await fetch(url('team', `?format=text&token=${await token('team:read')}`))).status).toBe(200);
    expect((await fetch(url('team', '?format=text'), { headers: await bearer('other:read') })).status).toBe(403);
    const notAdmin = await fetch(url('team'), { method: 'DELETE', headers: await bearer('team:write') });
    expect(notAdmin.status).toBe(403);
    expect(await notAdmin.json()).toMatchObject({ code: 'admin_required' });
    expect((await fetch(url('team'), { method: 'DELETE', headers: await bearer('*:write', true) })).status).toBe(204);
  });
});
