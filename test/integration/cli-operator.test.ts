/**
 * What an operator meets at the command line: restore that honours --replace and restores the
 * rest around what it skips, admin verbs that refuse a data dir that does not exist instead of
 * making an empty one, help for every verb, webhook failures that say why, the start-up line, and
 * `npm start` that passes SIGTERM on to the server.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openRaw } from '../helpers/clients.js';
import { failureReason } from '../../server/api/webhooks.js';
import { ADMIN_VERBS, EXIT_CODES } from '../../server/cli/admin.js';
import { admin } from '../helpers/admin.js';
import { runCli, spawnServer, startTestServer, type ChildServer, type TestServer } from '../helpers/server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const dirs: string[] = [];
const servers: TestServer[] = [];
const children: ChildServer[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    child.process.kill('SIGKILL');
    await child.exited;
  }
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(dirs.splice(0).map((dir) => removeTempDir(dir)));
});

async function tempDir(): Promise<string> {
  const dir = await makeTempDir('tandem-operator-');
  dirs.push(dir);
  return dir;
}

/** Writes `text` to a file and imports it as document `name` in `flags`' installation. */
async function importText(flags: string[], name: string, text: string, replace = false): Promise<void> {
  const file = join(await tempDir(), 'content.txt');
  await writeFile(file, text);
  const result = await admin('import', name, file, '--format', 'text', ...(replace ? ['--replace'] : []), ...flags);
  expect(result.code, result.stderr).toBe(0);
}

async function exportText(flags: string[], name: string): Promise<string> {
  return (await admin('export', name, '--format', 'text', ...flags)).stdout;
}

const installations: [string, () => Promise<string[]>][] = [
  ['a stopped data dir', async () => ['--data', await tempDir()]],
  [
    'a running server',
    async () => {
      const server = await startTestServer();
      servers.push(server);
      return ['--server', server.httpUrl];
    },
  ],
];

describe.each(installations)('restore on %s', (_, install) => {
  it('restores what does not exist, reports what it skipped, and exits 4 only at the end', async () => {
    const source = await install();
    for (const name of ['a', 'b', 'c']) await importText(source, name, `${name} from the backup`);
    const backupDir = join(await tempDir(), 'backup');
    expect((await admin('backup', backupDir, ...source)).code).toBe(0);

    const target = await install();
    await importText(target, 'a', 'a written since');
    const result = await admin('restore', backupDir, ...target);
    expect(result.code).toBe(EXIT_CODES.conflict);
    expect(result.stdout).toContain('restored 2 documents');
    expect(result.stdout).toContain('skipped 1 that exist (use --replace to overwrite them): a');
    expect(await exportText(target, 'a')).toBe('a written since');
    expect(await exportText(target, 'b')).toBe('b from the backup');
    expect(await exportText(target, 'c')).toBe('c from the backup');
  });

  it('with --replace overwrites the documents that exist', async () => {
    const source = await install();
    await importText(source, 'a', 'a from the backup');
    await importText(source, 'b', 'b from the backup');
    const backupDir = join(await tempDir(), 'backup');
    expect((await admin('backup', backupDir, ...source)).code).toBe(0);

    const target = await install();
    await importText(target, 'a', 'a written since');
    const result = await admin('restore', backupDir, '--replace', '--json', ...target);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ restored: ['b'], replaced: ['a'], skipped: [] });
    expect(await exportText(target, 'a')).toBe('a from the backup');
    expect(await exportText(target, 'b')).toBe('b from the backup');
  });
});

describe('admin verbs on a data dir that does not exist', () => {
  it.each(['list', 'inspect', 'export', 'compact', 'backup'] as const)('%s refuses it with exit 3 and creates nothing', async (verb) => {
    const data = join(await tempDir(), 'no-such-data');
    const args = verb === 'list' || verb === 'compact' ? [] : verb === 'backup' ? [join(await tempDir(), 'out')] : ['doc'];
    const result = await admin(verb, ...args, '--data', data);
    expect(result.code).toBe(EXIT_CODES.not_found);
    expect(result.stderr).toContain(`no data directory at ${data}`);
    expect(existsSync(data)).toBe(false);
  });

  it('a restore from a missing backup folder fails before it creates the data dir', async () => {
    const data = join(await tempDir(), 'data');
    const result = await admin('restore', join(await tempDir(), 'no-backup-here'), '--data', data);
    expect(result.code).toBe(EXIT_CODES.bad_input);
    expect(result.stderr).toContain('manifest.json');
    expect(existsSync(data)).toBe(false);
  });
});

describe('help', () => {
  async function cli(...argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return runCli(argv).exited;
  }

  it('the top-level help lists every command', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    for (const verb of ['token', ...ADMIN_VERBS]) expect(stdout).toContain(`tandem ${verb}`);
    expect(stdout).toContain('--port');
  });

  it('tandem token --help shows the token flags, not the server flags', async () => {
    const { code, stdout } = await cli('token', '--help');
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: tandem token');
    expect(stdout).toContain('--sub ID');
    expect(stdout).not.toContain('--heartbeat-interval-ms');
  });

  it.each(ADMIN_VERBS)('tandem %s --help shows that verb', async (verb) => {
    const { code, stdout } = await cli(verb, '--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: tandem ${verb}\\b`));
    for (const other of ADMIN_VERBS.filter((v) => v !== verb)) expect(stdout).not.toContain(`tandem ${other} `);
  });
});

describe('webhook failures', () => {
  it('name the network cause that fetch hides behind "fetch failed"', async () => {
    const refused = await fetch('http://127.0.0.1:9/').catch((error: unknown) => error);
    expect(failureReason(refused)).toBe('fetch failed: bad port');
    const server = await startTestServer();
    const port = server.port;
    await server.close();
    const closed = await fetch(`http://127.0.0.1:${port}/`).catch((error: unknown) => error);
    expect(failureReason(closed)).toMatch(/^fetch failed: connect ECONNREFUSED 127\.0\.0\.1:\d+/);
  });

  it('are logged with their cause by a running server', async () => {
    const server = await spawnServer(await tempDir(), 0, [
      '--webhook-url',
      'http://127.0.0.1:9/hook',
      '--webhook-debounce-ms',
      '10',
      '--webhook-max-attempts',
      '1',
    ]);
    children.push(server);
    const response = await fetch(`${server.httpUrl}/api/documents/hooked?format=text`, { method: 'PUT', body: 'hello' });
    expect(response.status).toBe(201);
    await waitFor(
      () => {
        const stdout = server.stdout();
        return stdout.includes('webhook delivery given up') && stdout.includes('fetch failed: bad port');
      },
      { timeout: 10_000, message: 'the failed delivery to be logged with its cause' },
    );
  });
});

describe('starting and stopping', () => {
  it('prints one start-up line a person reads: URL, data directory, mode and version', async () => {
    const data = await tempDir();
    const server = await spawnServer(data);
    children.push(server);
    await waitFor(() => server.stderr().includes('Tandem '), { timeout: 5_000, message: 'the start-up line' });
    const line =
      server
        .stderr()
        .split('\n')
        .find((l) => l.startsWith('Tandem ')) ?? '';
    expect(line).toMatch(/^Tandem \d+\.\d+\.\d+: /);
    expect(line).toContain(`${server.wsUrl}/<name>`);
    expect(line).toContain(`documents in ${data}`);
    expect(line).toContain('single instance');
  });

  it('logs connections and rooms at debug', async () => {
    const server = await spawnServer(await tempDir(), 0, ['--log-level', 'debug', '--unload-grace-ms', '0']);
    children.push(server);
    const client = await openRaw(`${server.wsUrl}/debugged`);
    client.socket.close(1000);
    await waitFor(() => ['connection opened', 'connection closed', 'room loaded', 'room unloaded'].every((msg) => server.stdout().includes(`"msg":"${msg}"`)), {
      timeout: 10_000,
      message: 'connection and room lines at debug',
    });
    expect(server.stdout()).toMatch(/"code":1000,[^\n]*"msg":"connection closed"/);
  });

  it('npm start passes SIGTERM on to the server, which stops cleanly', async () => {
    const data = await tempDir();
    const npm = spawn('npm', ['start', '--', '--port', '0', '--data', data, '--static-dir', 'none'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    npm.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    try {
      await waitFor(() => stdout.includes('"msg":"listening"'), { timeout: 20_000, message: 'the server under npm start to listen' });
      const port = (JSON.parse(stdout.split('\n').find((line) => line.includes('"msg":"listening"')) ?? '{}') as { port: number }).port;
      npm.kill('SIGTERM');
      expect(await exited).toBe(0);
      await waitFor(() => stdout.includes('"msg":"stopped"'), { timeout: 10_000, message: 'the server to log that it stopped' });
      await waitFor(() => refuses(port), { timeout: 10_000, message: `nothing to listen on port ${port} any more` });
    } finally {
      npm.kill('SIGKILL');
    }
  });
});

/** True when nothing accepts a connection on `port`. */
function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}
