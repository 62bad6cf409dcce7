import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WEBHOOK_DEFAULTS } from '../../server/api/webhooks.js';
import { EXIT_CODES, runAdmin } from '../../server/cli/admin.js';
import { ConfigError, parseCommand } from '../../server/config.js';
import { createTandemServer } from '../../server/index.js';
import { readDocumentFormat, readSchemaRecord, writeDocumentFormat } from '../../shared/document-format.js';
import { ClientPool, type TestClient } from '../helpers/clients.js';
import { runCli, startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

/** An --extensions module providing the `callout` node and `spoiler` mark (HTML and Markdown). */
const EXTENSIONS = fileURLToPath(new URL('../fixtures/callout-spoiler-extensions.js', import.meta.url));
const NOT_EXTENSIONS = fileURLToPath(new URL('../fixtures/not-extensions.js', import.meta.url));
import { waitFor } from '../helpers/wait-for.js';

let server: TestServer | null = null;
let hook: Server | null = null;
const pool = new ClientPool();

afterEach(async () => {
  pool.destroyAll();
  await server?.close();
  server = null;
  if (hook !== null) await new Promise((resolve) => hook?.close(resolve));
  hook = null;
});

async function start(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  server = await startTestServer(options);
  return server;
}

function url(name: string, query = ''): string {
  if (server === null) throw new Error('no server');
  return `${server.httpUrl}/api/documents/${encodeURIComponent(name)}${query}`;
}

/** The document's stored state, read back through the API. */
async function stored(name: string): Promise<Y.Doc> {
  const response = await fetch(url(name, '?format=yjs'));
  expect(response.status).toBe(200);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, new Uint8Array(await response.arrayBuffer()));
  return doc;
}

/** A local webhook receiver that answers 200 and keeps each body. */
async function webhookReceiver(): Promise<{ deliveries: string[]; hookUrl: string }> {
  const deliveries: string[] = [];
  const receiving = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200).end();
    });
  });
  hook = receiving;
  await new Promise<void>((resolve) => receiving.listen(0, '127.0.0.1', resolve));
  return { deliveries, hookUrl: `http://127.0.0.1:${(receiving.address() as AddressInfo).port}/hook` };
}

function paragraph(...runs: Y.XmlText[]): Y.XmlElement {
  const element = new Y.XmlElement('paragraph');
  element.insert(0, runs);
  return element;
}

function text(value: string, formatting?: Record<string, object>): Y.XmlText {
  const run = new Y.XmlText();
  run.insert(0, value, formatting);
  return run;
}

/**
 * Writes, as an editor with two extensions the server does not have would: a `callout` node
 * (with a `tone` attribute) around a paragraph, and a `spoiler` mark on a word beside bold text.
 */
async function writeForeignDocument(name: string): Promise<TestClient> {
  if (server === null) throw new Error('no server');
  const client = await pool.connectSynced(server.wsUrl, name);
  const callout = new Y.XmlElement('callout');
  callout.setAttribute('tone', 'warn');
  callout.insert(0, [paragraph(text('Careful'))]);
  const marked = new Y.XmlText();
  marked.insert(0, 'a ');
  marked.insert(2, 'secret', { spoiler: {} });
  marked.insert(8, ' and ', {});
  marked.insert(13, 'bold', { bold: {} });
  client.doc.getXmlFragment('default').insert(0, [paragraph(text('Intro')), paragraph(marked), callout]);
  await waitFor(async () => (await fetch(url(name, '?format=yjs'))).status === 200, { message: 'the document stored' });
  return client;
}

const FOREIGN_JSON = {
  type: 'doc',
  content: [
    { type: 'paragraph', content: [{ type: 'text', text: 'Intro' }] },
    {
      type: 'paragraph',
      content: [
        { type: 'text', text: 'a ' },
        { type: 'text', text: 'secret', marks: [{ type: 'spoiler' }] },
        { type: 'text', text: ' and ' },
        { type: 'text', text: 'bold', marks: [{ type: 'bold' }] },
      ],
    },
    { type: 'callout', attrs: { tone: 'warn' }, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Careful' }] }] },
  ],
};

describe('documents holding types the server schema lacks', () => {
  it('export as JSON and text, read from their Yjs XML', async () => {
    await start();
    await writeForeignDocument('foreign');
    const json = await fetch(url('foreign', '?format=json'));
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual(FOREIGN_JSON);
    const plain = await fetch(url('foreign', '?format=text'));
    expect(plain.status).toBe(200);
    expect(await plain.text()).toBe('Intro\na secret and bold\nCareful');
  });

  it('answer HTML and Markdown with 422 naming the missing types, never a partial export', async () => {
    await start();
    await writeForeignDocument('foreign');
    for (const format of ['html', 'markdown']) {
      const response = await fetch(url('foreign', `?format=${format}`));
      expect(response.status).toBe(422);
      const body = (await response.json()) as { code: string; message: string; missing: string[] };
      expect(body.code).toBe('unsupported_types');
      expect(body.missing).toEqual(['callout', 'spoiler']);
      expect(body.message).toMatch(/callout, spoiler/);
    }
  });

  it('refuse a replace with 422 and keep every type on disk', async () => {
    await start();
    await writeForeignDocument('foreign');
    const before = Y.encodeStateAsUpdate(await stored('foreign'));
    for (const [format, body] of [
      ['html', '<p>Intro</p>'],
      ['text', 'Intro'],
      ['markdown', 'Intro'],
    ] as const) {
      const response = await fetch(url('foreign', `?format=${format}&replace=1`), { method: 'PUT', body });
      expect(response.status).toBe(422);
      expect(((await response.json()) as { missing: string[] }).missing).toEqual(['callout', 'spoiler']);
    }
    expect(Y.encodeStateAsUpdate(await stored('foreign'))).toEqual(before);
    expect(await (await fetch(url('foreign', '?format=json'))).json()).toEqual(FOREIGN_JSON);
  });

  it('are sent by the webhook with their content', async () => {
    const { deliveries, hookUrl } = await webhookReceiver();
    await start({ webhook: { ...WEBHOOK_DEFAULTS, url: hookUrl, secret: null, debounceMs: 50, maxWaitMs: 1_000, format: 'json' } });
    await writeForeignDocument('foreign');
    const content = (): unknown => {
      const last = deliveries.at(-1);
      return last === undefined ? undefined : JSON.parse((JSON.parse(last) as { content: string }).content);
    };
    await waitFor(() => JSON.stringify(content()) === JSON.stringify(FOREIGN_JSON), { message: 'an event carrying the whole document' });
  });

  it('are told to a webhook in HTML, with the missing types instead of a partial content', async () => {
    const { deliveries, hookUrl } = await webhookReceiver();
    await start({ webhook: { ...WEBHOOK_DEFAULTS, url: hookUrl, secret: null, debounceMs: 50, maxWaitMs: 1_000, format: 'html' } });
    await writeForeignDocument('foreign');
    await waitFor(() => deliveries.some((body) => (JSON.parse(body) as { missing?: string[] }).missing?.join() === 'callout,spoiler'), {
      message: 'an event naming the missing types',
    });
    expect(JSON.parse(deliveries.at(-1) as string)).toMatchObject({ type: 'document.changed', document: 'foreign', format: 'html', content: null });
  });
});

describe('documents the API creates', () => {
  it('record their format and the server schema, as the editor does', async () => {
    await start();
    expect((await fetch(url('made', '?format=html'), { method: 'PUT', body: '<p>Hi <strong>there</strong></p>' })).status).toBe(201);
    const doc = await stored('made');
    expect(readDocumentFormat(doc)).toBe('richtext');
    const record = readSchemaRecord(doc);
    expect(record?.nodes).toContain('paragraph');
    expect(record?.nodes).toContain('taskItem');
    expect(record?.marks).toContain('bold');
    expect(record?.marks).toContain('highlight');
  });
});

describe('plain-text documents over HTTP', () => {
  it('are created with ?type=plaintext and hold their text in the Y.Text', async () => {
    await start();
    const created = await fetch(url('notes', '?format=text&type=plaintext'), { method: 'PUT', body: '# not a heading\nline two' });
    expect(created.status).toBe(201);
    const doc = await stored('notes');
    expect(readDocumentFormat(doc)).toBe('plaintext');
    expect(doc.getText('text').toString()).toBe('# not a heading\nline two');
    expect(doc.getXmlFragment('default').length).toBe(0);
    expect(await (await fetch(url('notes', '?format=text'))).text()).toBe('# not a heading\nline two');
  });

  it('are replaced by editing their Y.Text, live for a connected editor', async () => {
    await start();
    if (server === null) throw new Error('no server');
    const writer = await pool.connectSynced(server.wsUrl, 'notes');
    writeDocumentFormat(writer.doc, 'plaintext');
    writer.doc.getText('text').insert(0, 'first draft');
    await waitFor(async () => (await (await fetch(url('notes', '?format=text'))).text()) === 'first draft', { message: 'the draft stored' });
    const replaced = await fetch(url('notes', '?format=text&replace=1'), { method: 'PUT', body: 'final draft' });
    expect(replaced.status).toBe(200);
    await waitFor(() => writer.doc.getText('text').toString() === 'final draft', { message: 'the editor sees the replacement' });
    const doc = await stored('notes');
    expect(doc.getText('text').toString()).toBe('final draft');
    expect(doc.getXmlFragment('default').length).toBe(0);
  });

  it('refuse rich formats, a type that is not theirs and an unknown type', async () => {
    await start();
    expect((await fetch(url('notes', '?format=text&type=plaintext'), { method: 'PUT', body: 'x' })).status).toBe(201);
    const html = await fetch(url('notes', '?format=html&replace=1'), { method: 'PUT', body: '<p>x</p>' });
    expect(html.status).toBe(400);
    expect(((await html.json()) as { message: string }).message).toMatch(/plain-text document is written as text or markdown/);
    expect((await fetch(url('rich', '?format=text'), { method: 'PUT', body: 'x' })).status).toBe(201);
    const wrongType = await fetch(url('rich', '?format=text&replace=1&type=plaintext'), { method: 'PUT', body: 'y' });
    expect(wrongType.status).toBe(400);
    expect(((await wrongType.json()) as { message: string }).message).toMatch(/richtext, not plaintext/);
    const unknown = await fetch(url('other', '?format=text&type=sheet'), { method: 'PUT', body: 'x' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { code: string }).code).toBe('unknown_type');
  });
});

describe('--extensions', () => {
  it('lets HTML and Markdown export the types the module provides', async () => {
    await start({ extensions: EXTENSIONS });
    await writeForeignDocument('foreign');
    const html = await fetch(url('foreign', '?format=html'));
    expect(html.status).toBe(200);
    expect(await html.text()).toBe(
      '<p>Intro</p><p>a <span data-spoiler="">secret</span> and <strong>bold</strong></p><div data-callout="" data-tone="warn"><p>Careful</p></div>',
    );
    const markdown = await fetch(url('foreign', '?format=markdown'));
    expect(markdown.status).toBe(200);
    const source = await markdown.text();
    expect(source).toContain('a ||secret|| and **bold**');
    expect(source).toMatch(/:::callout \{tone="warn"\}\n\nCareful\n\n:::/);
    expect(await (await fetch(url('foreign', '?format=json'))).json()).toEqual(FOREIGN_JSON);
  });

  it('lets HTML and Markdown imports create them, Markdown task lists included, and records them', async () => {
    await start({ extensions: EXTENSIONS });
    const html = '<p>a <span data-spoiler="">secret</span></p><div data-callout="" data-tone="warn"><p>Careful</p></div>';
    expect((await fetch(url('from-html', '?format=html'), { method: 'PUT', body: html })).status).toBe(201);
    expect(await (await fetch(url('from-html', '?format=html'))).text()).toBe(html);
    const markdown = 'a ||secret||\n\n:::callout {tone="warn"}\n\nCareful\n\n:::\n\n- [ ] todo\n- [x] done';
    expect((await fetch(url('from-md', '?format=markdown'), { method: 'PUT', body: markdown })).status).toBe(201);
    const json = (await (await fetch(url('from-md', '?format=json'))).json()) as {
      content: { type: string; attrs?: object; content?: { marks?: { type: string }[] }[] }[];
    };
    expect(json.content.map((node) => node.type)).toEqual(['paragraph', 'callout', 'taskList']);
    expect(json.content[0]?.content?.[1]?.marks).toEqual([{ type: 'spoiler' }]);
    expect(json.content[1]?.attrs).toEqual({ tone: 'warn' });
    const record = readSchemaRecord(await stored('from-md'));
    expect(record?.nodes).toContain('callout');
    expect(record?.marks).toContain('spoiler');
  });

  it('is taken by the admin verbs on a data dir, which name the missing types without it; inspect names every type', async () => {
    await start();
    await writeForeignDocument('foreign');
    const state = Y.encodeStateAsUpdate(await stored('foreign'));
    const dir = await makeTempDir('tandem-extensions-cli-');
    try {
      const file = join(dir, 'foreign.yjs');
      await writeFile(file, state);
      const data = join(dir, 'data');
      const admin = async (...argv: string[]): Promise<{ code: number; out: string; err: string }> => {
        let out = '';
        let err = '';
        const code = await runAdmin(
          argv[0] as 'import',
          argv.slice(1),
          {},
          { out: (text) => (out += Buffer.from(text).toString('utf8')), err: (text) => (err += text) },
        );
        return { code, out, err };
      };
      await mkdir(data);
      expect((await admin('import', 'foreign', file, '--format', 'yjs', '--data', data)).code).toBe(EXIT_CODES.ok);
      const inspected = await admin('inspect', 'foreign', '--data', data);
      expect(inspected.out).toContain('format:      richtext');
      expect(inspected.out).toContain('nodes:       callout, paragraph');
      expect(inspected.out).toContain('marks:       bold, spoiler');
      const without = await admin('export', 'foreign', '--format', 'html', '--data', data);
      expect(without.code).toBe(EXIT_CODES.usage);
      expect(without.err).toContain('callout, spoiler');
      const withModule = await admin('export', 'foreign', '--format', 'markdown', '--data', data, '--extensions', EXTENSIONS);
      expect(withModule.code).toBe(EXIT_CODES.ok);
      expect(withModule.out).toContain('||secret||');
      const bad = await admin('export', 'foreign', '--format', 'markdown', '--data', data, '--extensions', NOT_EXTENSIONS);
      expect(bad.code).toBe(EXIT_CODES.usage);
      expect(bad.err).toContain('--extensions');
    } finally {
      await removeTempDir(dir);
    }
  }, 30_000);

  it('refuses a module that does not exist or exports no array of extensions, naming the flag', async () => {
    expect(() => parseCommand(['--extensions', '/nonexistent/extensions.js'], {}, null)).toThrow(/--extensions: no module/);
    expect(() => parseCommand([], { TANDEM_EXTENSIONS: '/nonexistent/extensions.js' }, null)).toThrow(/TANDEM_EXTENSIONS: no module/);
    expect(parseCommand(['--extensions', EXTENSIONS], {}, null).config.extensions).toBe(EXTENSIONS);
    await expect(createTandemServer({ port: 0, extensions: NOT_EXTENSIONS, logLevel: 'silent' })).rejects.toThrow(ConfigError);
    const dataDir = await makeTempDir('tandem-extensions-');
    try {
      for (const module of [NOT_EXTENSIONS, '/nonexistent/extensions.js']) {
        const exit = await runCli(['serve', '--port', '0', '--data', dataDir, '--static-dir', 'none', '--extensions', module]).exited;
        expect(exit.code).toBe(2);
        expect(exit.stderr).toContain('--extensions');
      }
    } finally {
      await removeTempDir(dataDir);
    }
  }, 30_000);
});
