/**
 * Issue 19, bounded conversions: one HTTP PUT within the body limit (megabytes of `<p>x</p>` as
 * HTML, of newlines as text, of `[` as Markdown, deep nesting, huge JSON) used to hold the event
 * loop for tens of seconds and then kill the server with a heap out-of-memory. Conversions now run
 * in worker threads with their own limits: the hostile PUT answers 413 or 422 with a reason,
 * nothing is written, and a stock client typing in another document beside it never waits.
 *
 * The server runs in a child process, so that a server that freezes cannot freeze the test that
 * measures it, and one that dies of its heap cannot take the test runner with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientPool, type TestClient } from '../helpers/clients.js';
import { spawnServer, type ChildServer } from '../helpers/server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const MiB = 1024 * 1024;

/** Longest a typed character may take to reach a peer while a hostile PUT runs. */
const EDIT_DEADLINE_MS = 1_000;

/** A typist and a watcher on one live document, and the edits they exchange. */
class Typing {
  private round = 0;

  constructor(
    private readonly typist: TestClient,
    private readonly watcher: TestClient,
  ) {}

  /** Types one mark and waits, with {@link EDIT_DEADLINE_MS}, for the watcher to receive it. */
  async edit(): Promise<void> {
    const text = this.typist.doc.getText('text');
    const mark = `${++this.round};`;
    text.insert(text.length, mark);
    await waitFor(() => this.watcher.doc.getText('text').toString().endsWith(mark), {
      timeout: EDIT_DEADLINE_MS,
      interval: 5,
      message: `edit ${this.round} to reach the peer while the hostile PUT runs`,
    });
  }

  /**
   * Sends `request` and keeps typing until it has answered (three edits at least), each edit
   * reaching the peer within the deadline. Resolves with the answer and the edits made meanwhile.
   */
  async beside(request: () => Promise<Response>): Promise<{ response: Response; editsDuring: number }> {
    let answered = false;
    const pending = request().finally(() => (answered = true));
    let editsDuring = 0;
    for (let done = 0; done < 3 || !answered; done++) {
      await this.edit();
      if (!answered) editsDuring++;
    }
    return { response: await pending, editsDuring };
  }
}

describe('hostile conversions', () => {
  const pool = new ClientPool();
  let dataDir: string;
  let server: ChildServer;
  let typing: Typing;

  beforeAll(async () => {
    dataDir = await makeTempDir('tandem-conversions-');
    // A shorter deadline than the default keeps the slow-Markdown case short; every other limit is the default.
    server = await spawnServer(dataDir, 0, [], { TANDEM_CONVERSION_TIMEOUT_MS: '3000' });
    typing = new Typing(await pool.connectSynced(server.wsUrl, 'live'), await pool.connectSynced(server.wsUrl, 'live'));
    await typing.edit();
  });

  afterAll(async () => {
    pool.destroyAll();
    server.process.kill('SIGTERM');
    await server.exited;
    await removeTempDir(dataDir);
  });

  const put = (name: string, format: string, body: string) => () => fetch(`${server.httpUrl}/api/documents/${name}?format=${format}`, { method: 'PUT', body });

  /** The PUT's answer is `status` with `code`, the server answers, and `name` was never created. */
  async function refused(name: string, response: Response, status: number, code: string): Promise<void> {
    expect({ status: response.status, body: await response.json() }).toMatchObject({ status, body: { code } });
    expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.httpUrl}/api/documents/${name}?info=1`)).status).toBe(404);
  }

  it('answers 7 MiB of <p>x</p> as HTML with 413 while a typing client carries on', async () => {
    const { response } = await typing.beside(put('html-flood', 'html', '<p>x</p>'.repeat((7 * MiB) / 8)));
    await refused('html-flood', response, 413, 'too_large');
  });

  it('answers 4 MiB of newlines as text with 413 while a typing client carries on', async () => {
    const { response } = await typing.beside(put('newlines', 'text', '\n'.repeat(4 * MiB)));
    await refused('newlines', response, 413, 'too_large');
  });

  it('answers a megabyte of [ as Markdown with 422 at the conversion deadline, the typing client never waiting', async () => {
    const { response, editsDuring } = await typing.beside(put('brackets', 'markdown', '['.repeat(MiB)));
    await refused('brackets', response, 422, 'conversion_timeout');
    // The conversion ran for its whole deadline: the peer's edits arrived throughout.
    expect(editsDuring).toBeGreaterThan(10);
  });

  it('answers a megabyte of one paragraph per line, within the byte limit, with 413 for its nodes', async () => {
    const { response } = await typing.beside(put('lines', 'text', 'x\n'.repeat(MiB / 2)));
    await refused('lines', response, 413, 'too_many_nodes');
  });

  it('answers JSON nested 30 000 blockquotes deep with 422', async () => {
    const depth = 30_000;
    const body = `{"type":"doc","content":[${'{"type":"blockquote","content":['.repeat(depth)}{"type":"paragraph"}${']}'.repeat(depth)}]}`;
    const { response } = await typing.beside(put('deep-json', 'json', body));
    await refused('deep-json', response, 422, 'too_deep');
  });

  it('answers Markdown quoted 100 000 levels deep with 422', async () => {
    const { response } = await typing.beside(put('deep-markdown', 'markdown', `${'>'.repeat(100_000)} x`));
    await refused('deep-markdown', response, 422, 'too_deep');
  });

  it('answers HTML nested 8 000 elements deep with 422', async () => {
    const { response } = await typing.beside(put('deep-html', 'html', `${'<blockquote>'.repeat(8_000)}x`));
    await refused('deep-html', response, 422, 'too_deep');
  });

  it('answers 1.7 MB of JSON paragraphs with 413 for its nodes', async () => {
    const paragraphs = Array.from({ length: 30_000 }, () => '{"type":"paragraph","content":[{"type":"text","text":"x"}]}');
    const { response } = await typing.beside(put('huge-json', 'json', `{"type":"doc","content":[${paragraphs.join(',')}]}`));
    await refused('huge-json', response, 413, 'too_many_nodes');
  });

  it('still converts ordinary documents after every refusal, and never restarted', async () => {
    const response = await put('ordinary', 'markdown', '# Title\n\nSome **bold** text.')();
    expect(response.status).toBe(201);
    expect(await (await fetch(`${server.httpUrl}/api/documents/ordinary?format=html`)).text()).toBe('<h1>Title</h1><p>Some <strong>bold</strong> text.</p>');
    await typing.edit();
    expect(server.process.exitCode).toBe(null);
  });
});
