import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { EXIT_CODES, runAdmin, type AdminVerb } from '../../server/cli/admin.js';
import { readDocumentFormat } from '../../shared/document-format.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

interface Result {
  code: number;
  stdout: Buffer;
  stderr: string;
}

async function admin(verb: AdminVerb, ...argv: string[]): Promise<Result> {
  const out: Buffer[] = [];
  let stderr = '';
  const code = await runAdmin(verb, argv, {}, { out: (text) => out.push(Buffer.from(text)), err: (text) => (stderr += text) });
  return { code, stdout: Buffer.concat(out), stderr };
}

const dirs: string[] = [];
const servers: TestServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(dirs.splice(0).map((dir) => removeTempDir(dir)));
});

async function tempDir(): Promise<string> {
  const dir = await makeTempDir('tandem-admin-');
  dirs.push(dir);
  return dir;
}

/** Where the verbs act: the flags that select a stopped data dir or a running server. */
interface Installation {
  flags: string[];
  /** The number of clients `list` and `inspect` show for a document nobody has open. */
  idleClients: number | null;
}

const installations: [string, () => Promise<Installation>][] = [
  // An empty data dir: only `tandem serve` creates one, so an operator restoring into a new
  // installation makes the folder first.
  ['a stopped data dir', async () => ({ flags: ['--data', await tempDir()], idleClients: null })],
  [
    'a running server',
    async () => {
      const server = await startTestServer();
      servers.push(server);
      return { flags: ['--server', server.httpUrl], idleClients: 0 };
    },
  ],
];

describe.each(installations)('admin verbs on %s', (_, install) => {
  it('import creates once, refuses a second create with exit 4, and replaces with --replace', async () => {
    const { flags } = await install();
    const file = join(await tempDir(), 'plan.md');
    await writeFile(file, '# Plan\n\nFirst **draft**');
    expect(await admin('import', 'plan', file, '--format', 'markdown', ...flags)).toMatchObject({ code: 0 });
    const again = await admin('import', 'plan', file, '--format', 'markdown', ...flags);
    expect(again.code).toBe(EXIT_CODES.conflict);
    expect(again.stderr).toContain('exists');
    await writeFile(file, '# Plan\n\nSecond draft');
    const replaced = await admin('import', 'plan', file, '--format', 'markdown', '--replace', '--json', ...flags);
    expect(JSON.parse(replaced.stdout.toString())).toEqual({ name: 'plan', created: false });
    const exported = await admin('export', 'plan', '--format', 'markdown', ...flags);
    expect(exported.stdout.toString()).toBe('# Plan\n\nSecond draft');
  });

  it('import --type plaintext creates a plain-text document, and --replace edits its text', async () => {
    const { flags } = await install();
    const file = join(await tempDir(), 'notes.md');
    await writeFile(file, '# not a heading\n- raw');
    expect(await admin('import', 'notes', file, '--format', 'markdown', '--type', 'plaintext', ...flags)).toMatchObject({ code: 0 });
    const doc = new Y.Doc();
    Y.applyUpdate(doc, (await admin('export', 'notes', '--format', 'yjs', ...flags)).stdout);
    expect(readDocumentFormat(doc)).toBe('plaintext');
    expect(doc.getText('text').toString()).toBe('# not a heading\n- raw');
    await writeFile(file, '# not a heading\n- edited');
    expect(await admin('import', 'notes', file, '--format', 'text', '--replace', ...flags)).toMatchObject({ code: 0 });
    expect((await admin('export', 'notes', '--format', 'text', ...flags)).stdout.toString()).toBe('# not a heading\n- edited');
    const bad = await admin('import', 'other', file, '--type', 'sheet', ...flags);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--type');
  });

  it('list, inspect, compact and delete report and act on the stored documents', async () => {
    const { flags, idleClients } = await install();
    const file = join(await tempDir(), 'note.txt');
    await writeFile(file, 'one');
    await admin('import', 'a', file, '--format', 'text', ...flags);
    await admin('import', 'b', file, '--format', 'text', ...flags);
    await writeFile(file, 'one\ntwo');
    await admin('import', 'b', file, '--format', 'text', '--replace', ...flags);
    const listed = JSON.parse((await admin('list', '--json', ...flags)).stdout.toString()) as { name: string; clients: number | null }[];
    expect(listed.map((d) => d.name)).toEqual(['a', 'b']);
    expect(listed[0]?.clients).toBe(idleClients);
    expect((await admin('list', ...flags)).stdout.toString()).toMatch(/^NAME\s+BYTES\s+UPDATES\s+UPDATED\s+CLIENTS\na\s+\d+/);
    const before = JSON.parse((await admin('inspect', 'b', '--json', ...flags)).stdout.toString()) as { updates: number; bytes: number };
    expect(before.updates).toBe(2);
    expect(await admin('compact', 'b', ...flags)).toMatchObject({ code: 0 });
    const after = JSON.parse((await admin('inspect', 'b', '--json', ...flags)).stdout.toString()) as { updates: number };
    expect(after.updates).toBe(1);
    expect((await admin('compact', ...flags)).stdout.toString()).toBe('compacted 2 documents\n');
    expect((await admin('inspect', 'a', ...flags)).stdout.toString()).toContain('log length:  1');
    expect(await admin('delete', 'a', ...flags)).toMatchObject({ code: 0 });
    expect((await admin('export', 'a', ...flags)).code).toBe(EXIT_CODES.not_found);
    expect((await admin('inspect', 'a', ...flags)).code).toBe(EXIT_CODES.not_found);
    expect((await admin('export', 'b', '--format', 'text', ...flags)).stdout.toString()).toBe('one\ntwo');
  });

  it('backup then restore into an empty installation gives byte-identical exports', async () => {
    const source = await install();
    const file = join(await tempDir(), 'doc.html');
    for (const [name, html] of [
      ['x', '<p>first</p>'],
      ['team/y', '<h2>second</h2><ul><li><p>item</p></li></ul>'],
    ] as const) {
      await writeFile(file, html);
      await admin('import', name, file, '--format', 'html', ...source.flags);
    }
    await writeFile(file, '<p>first, edited</p>');
    await admin('import', 'x', file, '--format', 'html', '--replace', ...source.flags);
    const backupDir = join(await tempDir(), 'backup');
    expect(await admin('backup', backupDir, ...source.flags)).toMatchObject({ code: 0 });
    const target = await install();
    expect((await admin('restore', backupDir, ...target.flags)).stdout.toString()).toBe(`restored 2 documents from ${backupDir}\n`);
    for (const name of ['x', 'team/y']) {
      for (const format of ['yjs', 'html', 'markdown']) {
        const original = (await admin('export', name, '--format', format, ...source.flags)).stdout;
        const restored = (await admin('export', name, '--format', format, ...target.flags)).stdout;
        expect(restored.equals(original), `${name} as ${format}`).toBe(true);
      }
    }
    expect((await admin('restore', backupDir, ...target.flags)).code).toBe(EXIT_CODES.conflict);
  });
});

describe('admin verbs', () => {
  it('say clearly that a running server holds the data dir, with exit 6', async () => {
    const server = await startTestServer();
    servers.push(server);
    const result = await admin('list', '--data', server.dataDir ?? '');
    expect(result.code).toBe(EXIT_CODES.locked);
    expect(result.stderr).toContain('a running server holds it');
    expect(result.stderr).toContain('--server');
  });

  it('are refused by a server that checks tokens unless the token grants the call', async () => {
    const secret = 'admin-cli-secret-0123456789';
    const server = await startTestServer({ auth: { kind: 'secret', secret } });
    servers.push(server);
    expect((await admin('list', '--server', server.httpUrl)).code).toBe(EXIT_CODES.denied);
    const { mintToken } = await import('../../server/auth/tokens.js');
    const { parseGrant } = await import('../../server/auth/access.js');
    const writer = await mintToken({ secret, subject: 'ops', grants: [parseGrant('*:write')], ttlSeconds: 60 });
    const file = join(await tempDir(), 'a.txt');
    await writeFile(file, 'x');
    expect((await admin('import', 'a', file, '--format', 'text', '--server', server.httpUrl, '--token', writer)).code).toBe(0);
    expect((await admin('delete', 'a', '--server', server.httpUrl, '--token', writer)).code).toBe(EXIT_CODES.denied);
  });

  it('refuse a bad flag or format with exit 2 before opening anything', async () => {
    expect((await admin('export', 'a', '--format', 'docx', '--data', '/nonexistent/never')).code).toBe(EXIT_CODES.usage);
    expect((await admin('list', '--frobnicate')).code).toBe(EXIT_CODES.usage);
  });

  it('run from the tandem command line with their exit codes', async () => {
    const data = await tempDir();
    const cli = fileURLToPath(new URL('../../server/cli.ts', import.meta.url));
    const run = (...argv: string[]) => spawnSync(process.execPath, ['--import', 'tsx', cli, ...argv], { encoding: 'utf8', timeout: 30_000 });
    const missing = run('inspect', 'nothing', '--data', data);
    expect(missing.status).toBe(EXIT_CODES.not_found);
    expect(missing.stderr).toContain("no document 'nothing'");
  });
});
