/**
 * Issue 19, each conversion limit attacked on its own (shared/limits.ts): the bytes a conversion
 * reads, the nodes and depth of a document, the time and heap of a worker, the number of workers
 * and of waiting conversions. Every refusal has its status and code, writes nothing, and leaves
 * the pool converting the next ordinary document.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { documentUpdate } from '../../server/api/convert.js';
import { EXIT_CODES, runAdmin } from '../../server/cli/admin.js';
import { resolveLimits } from '../../server/config.js';
import { ConfigError } from '../../server/flags.js';
import type { TandemServerOptions } from '../../server/index.js';
import { readMetric, startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

let server: TestServer | null = null;
const dirs: string[] = [];

afterEach(async () => {
  await server?.close();
  server = null;
  await Promise.all(dirs.splice(0).map((dir) => removeTempDir(dir)));
});

async function start(limits: TandemServerOptions['limits']): Promise<TestServer> {
  server = await startTestServer({ limits });
  return server;
}

function url(name: string, query: string): string {
  if (server === null) throw new Error('no server');
  return `${server.httpUrl}/api/documents/${name}?${query}`;
}

const put = (name: string, format: string, body: string | Uint8Array<ArrayBuffer>): Promise<Response> =>
  fetch(url(name, `format=${format}`), { method: 'PUT', body });

/** `response` is `status` with `code`, and `name` was never created. */
async function refused(name: string, response: Response, status: number, code: string): Promise<void> {
  expect({ status: response.status, body: await response.json() }).toMatchObject({ status, body: { code } });
  expect((await fetch(url(name, 'info=1'))).status).toBe(404);
}

/** The pool still converts an ordinary document. */
async function stillConverts(name: string): Promise<void> {
  expect((await put(name, 'markdown', '# Still\n\nconverting')).status).toBe(201);
  expect(await (await fetch(url(name, 'format=text'))).text()).toBe('Still\nconverting');
}

/** Markdown the parser takes seconds over: every limit but time lets it through. */
const SLOW_MARKDOWN = '['.repeat(1024 * 1024);

describe('conversion limits', () => {
  it('refuses a text body past maxConversionBytes with 413 before converting it, but not a larger Yjs body', async () => {
    await start({ maxConversionBytes: 1000 });
    await refused('long', await put('long', 'text', 'x'.repeat(1001)), 413, 'too_large');
    expect(await readMetric(server?.httpUrl ?? '', 'tandem_limit_hits_total', { limit: 'max_conversion_bytes' })).toBe(1);
    const update = documentUpdate(null, Buffer.from('y'.repeat(5000)), 'text');
    expect(update.byteLength).toBeGreaterThan(1000);
    expect((await put('yjs', 'yjs', new Uint8Array(update))).status).toBe(201);
  });

  it('refuses an import past maxConversionNodes with 413, and the export of a stored document past it', async () => {
    await start({ maxConversionNodes: 100 });
    await refused('many', await put('many', 'text', 'line\n'.repeat(101)), 413, 'too_many_nodes');
    await refused('many-html', await put('many-html', 'html', '<p>x</p>'.repeat(60)), 413, 'too_many_nodes');
    // A Yjs body is the document itself: it is stored as it is, but cannot be converted out.
    expect((await put('stored', 'yjs', new Uint8Array(documentUpdate(null, Buffer.from('p\n'.repeat(200)), 'text')))).status).toBe(201);
    const exported = await fetch(url('stored', 'format=html'));
    expect({ status: exported.status, body: await exported.json() }).toMatchObject({ status: 413, body: { code: 'too_many_nodes' } });
    expect((await fetch(url('stored', 'format=yjs'))).status).toBe(200);
  });

  it('refuses an import nested past maxConversionDepth with 422', async () => {
    await start({ maxConversionDepth: 8 });
    await refused('deep-md', await put('deep-md', 'markdown', '> > > > > > > > quoted'), 422, 'too_deep');
    await refused('deep-html', await put('deep-html', 'html', `${'<blockquote>'.repeat(8)}<p>x</p>`), 422, 'too_deep');
    expect((await put('shallow', 'markdown', '> > quoted')).status).toBe(201);
  });

  it('stops a conversion at conversionTimeoutMs with 422, and the next one runs in a new worker', async () => {
    await start({ conversionTimeoutMs: 300 });
    await refused('slow', await put('slow', 'markdown', SLOW_MARKDOWN), 422, 'conversion_timeout');
    expect(await readMetric(server?.httpUrl ?? '', 'tandem_limit_hits_total', { limit: 'conversion_timeout_ms' })).toBe(1);
    await stillConverts('after-slow');
  });

  it('answers a conversion past maxConversionHeapMb with 413, and the next one runs in a new worker', async () => {
    await start({ maxConversionHeapMb: 40 });
    await refused('heavy', await put('heavy', 'html', '<p>x</p>'.repeat(4_900)), 413, 'conversion_out_of_memory');
    await stillConverts('after-heavy');
  });

  it('answers 503 with Retry-After past maxQueuedConversions, and runs conversionWorkers at once', async () => {
    await start({ conversionWorkers: 1, maxQueuedConversions: 1, conversionTimeoutMs: 500 });
    const alone = await Promise.all(['a', 'b', 'c'].map((name) => put(`one-worker-${name}`, 'markdown', SLOW_MARKDOWN)));
    const busy = alone.filter((response) => response.status === 503);
    expect(alone.map((response) => response.status).sort()).toEqual([422, 422, 503]);
    expect(busy[0]?.headers.get('retry-after')).toBe('1');
    expect(await busy[0]?.json()).toMatchObject({ code: 'conversion_unavailable' });
    expect(await readMetric(server?.httpUrl ?? '', 'tandem_limit_hits_total', { limit: 'max_queued_conversions' })).toBe(1);
    await server?.close();
    await start({ conversionWorkers: 2, maxQueuedConversions: 1, conversionTimeoutMs: 500 });
    const pair = await Promise.all(['a', 'b', 'c'].map((name) => put(`two-workers-${name}`, 'markdown', SLOW_MARKDOWN)));
    expect(pair.map((response) => response.status)).toEqual([422, 422, 422]);
    // Each timed-out conversion costs a worker start; from the TypeScript sources that takes seconds.
  }, 60_000);

  it('refuses a heap too small for a worker to load as a bad setting', () => {
    expect(() => resolveLimits({ maxConversionHeapMb: 16 })).toThrow(ConfigError);
    expect(() => resolveLimits({ maxConversionHeapMb: 16 })).toThrow('--max-conversion-heap-mb');
  });

  it('makes the admin CLI refuse a hostile file on a data dir with exit 2', async () => {
    const dir = await makeTempDir('tandem-conversion-cli-');
    dirs.push(dir);
    const file = join(dir, 'newlines.txt');
    await writeFile(file, '\n'.repeat(4 * 1024 * 1024));
    // Admin verbs work on an existing data dir (only serve creates one).
    await mkdir(join(dir, 'data'));
    let stderr = '';
    const code = await runAdmin(
      'import',
      ['flood', file, '--format', 'text', '--data', join(dir, 'data')],
      {},
      { out: () => undefined, err: (text) => (stderr += text) },
    );
    expect(code).toBe(EXIT_CODES.bad_input);
    expect(stderr).toContain('larger than');
  });
});
