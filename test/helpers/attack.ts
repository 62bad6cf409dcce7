/**
 * For tests that act as an attacker: tokens, a pair of legitimate clients that must not notice
 * the attack, the stored text of a document, and a hand-written HTTP upgrade for request paths
 * and headers that a WebSocket client library would normalise or refuse to send.
 */
import { connect, type Socket } from 'node:net';
import { expect } from 'vitest';
import { parseGrant } from '../../server/auth/access.js';
import { mintToken } from '../../server/auth/tokens.js';
import type { TandemServerOptions } from '../../server/index.js';
import { openLevelDbStore } from '../../server/storage/leveldb-store.js';
import { ClientPool, openRaw, type RawClient, type RawOptions, type TestClient } from './clients.js';
import { startTestServer, type TestServer } from './server.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';
import { textOf } from './text-docs.js';
import { waitFor } from './wait-for.js';

/** The HS256 secret of the test servers that run with auth. */
export const TEST_SECRET = 'a-test-secret-of-enough-length';

/** Options of {@link tokenFor}. */
export interface TokenOptions {
  subject?: string;
  name?: string;
  color?: string;
  ttlSeconds?: number;
  secret?: string;
}

/** A token granting `grants` (`pattern:read|write`), signed with {@link TEST_SECRET} unless told. */
export function tokenFor(grants: readonly string[], options: TokenOptions = {}): Promise<string> {
  return mintToken({
    secret: options.secret ?? TEST_SECRET,
    subject: options.subject ?? 'user',
    grants: grants.map(parseGrant),
    ttlSeconds: options.ttlSeconds ?? 3600,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.color === undefined ? {} : { color: options.color }),
  });
}

/**
 * What one attack test holds: a server with its own data folder, stock clients, raw sockets.
 * {@link cleanup} (in afterEach) destroys all of it.
 */
export class Arena {
  readonly pool = new ClientPool();
  private readonly raws: RawClient[] = [];
  private readonly dirs: string[] = [];
  private running: TestServer | null = null;
  private folder: string | null = null;

  /** The running server. */
  get server(): TestServer {
    if (this.running === null) throw new Error('no server is running');
    return this.running;
  }

  /** The data folder of the last server started. */
  get dataDir(): string {
    if (this.folder === null) throw new Error('no server was started');
    return this.folder;
  }

  /** Starts a server on port 0 with a fresh LevelDB folder that outlives it (for {@link storedText}). */
  async start(options: TandemServerOptions = {}): Promise<TestServer> {
    this.folder = await this.tempDir();
    this.running = await startTestServer({ ...options, dataDir: this.folder });
    return this.running;
  }

  /** A temporary folder removed by {@link cleanup}. */
  async tempDir(): Promise<string> {
    const dir = await makeTempDir();
    this.dirs.push(dir);
    return dir;
  }

  /** A raw socket to `path` on the running server (or a full URL), closed by {@link cleanup}. */
  async raw(pathOrUrl: string, options: RawOptions = {}): Promise<RawClient> {
    const url = /^wss?:/.test(pathOrUrl) ? pathOrUrl : `${this.server.wsUrl}/${pathOrUrl}`;
    const client = await openRaw(url, options);
    this.raws.push(client);
    return client;
  }

  /** Closes every client, then the server, and returns the stored text of `name`. */
  async stopAndRead(name: string): Promise<string | null> {
    this.closeClients();
    await this.stopServer();
    return storedText(this.dataDir, name);
  }

  /** Gracefully closes the running server (its data folder stays until cleanup). */
  async stopServer(): Promise<void> {
    const server = this.running;
    this.running = null;
    await server?.close();
  }

  /** Destroys everything the test made. */
  async cleanup(): Promise<void> {
    this.closeClients();
    await this.stopServer();
    for (const dir of this.dirs.splice(0)) await removeTempDir(dir);
  }

  private closeClients(): void {
    for (const raw of this.raws.splice(0)) raw.close();
    this.pool.destroyAll();
  }
}

/** A writer and a reader on one document, there to show that an attack changes nothing for them. */
export interface Bystanders {
  readonly writer: TestClient;
  readonly reader: TestClient;
  /**
   * Asserts that they are unaffected: neither lost its connection, and a new edit by the writer
   * reaches the reader after everything before it. Returns the text both now hold.
   */
  carryOn(): Promise<string>;
}

/** Connects a writer and a reader to `name` (with `params`, e.g. a token) and exchanges a first edit. */
export async function startBystanders(pool: ClientPool, wsUrl: string, name: string, params: Record<string, string> = {}): Promise<Bystanders> {
  const writer = await pool.connectSynced(wsUrl, name, { params });
  const reader = await pool.connectSynced(wsUrl, name, { params });
  let drops = 0;
  for (const client of [writer, reader]) client.provider.on('connection-close', () => drops++);
  const text = writer.doc.getText('text');
  text.insert(text.length, 'before;');
  await waitFor(() => reader.doc.getText('text').toString() === text.toString(), { message: 'the first edit to reach the reader' });
  let round = 0;
  return {
    writer,
    reader,
    async carryOn() {
      text.insert(text.length, `after-${++round};`);
      const expected = text.toString();
      await waitFor(() => reader.doc.getText('text').toString() === expected, { message: 'a later edit to reach the reader' });
      expect(drops, 'connections the bystanders lost').toBe(0);
      return expected;
    },
  };
}

/** True when the server answers its health check. */
export async function serverAnswers(httpUrl: string): Promise<boolean> {
  const response = await fetch(`${httpUrl}/healthz`);
  return response.status === 200;
}

/** The text of document `name` in the LevelDB folder `dataDir` (its server must be closed), or null. */
export async function storedText(dataDir: string, name: string): Promise<string | null> {
  const store = await openLevelDbStore(dataDir);
  try {
    return textOf(await store.load(name));
  } finally {
    await store.close();
  }
}

/** Every document name in the LevelDB folder `dataDir` (its server must be closed). */
export async function storedNames(dataDir: string): Promise<string[]> {
  const store = await openLevelDbStore(dataDir);
  try {
    return (await store.list()).map((info) => info.name).sort();
  } finally {
    await store.close();
  }
}

/** What a hand-written upgrade got back. */
export interface UpgradeOutcome {
  /** The HTTP status of the response (101 when the handshake completed), 0 when the socket closed first. */
  status: number;
  /** The close code in the first WebSocket frame after a 101, if that frame was a close. */
  closeCode: number | null;
}

/** Options of {@link rawUpgrade}. */
export interface RawUpgradeOptions {
  /** Extra header lines, e.g. `['Origin: https://evil.example']`. */
  headers?: readonly string[];
  localAddress?: string;
  timeoutMs?: number;
}

/**
 * Sends `GET <path>` as a WebSocket upgrade, byte for byte as given (no URL normalisation), and
 * reads the status and, after a 101, the close code of the server's first frame.
 */
export function rawUpgrade(port: number, path: string, options: RawUpgradeOptions = {}): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ port, host: '127.0.0.1', ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }) });
    let buffer = Buffer.alloc(0);
    let status = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to the upgrade of ${JSON.stringify(path)}`));
    }, options.timeoutMs ?? 10_000);
    const finish = (outcome: UpgradeOutcome): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    socket.on('connect', () => {
      socket.write(
        [
          `GET ${path} HTTP/1.1`,
          'Host: 127.0.0.1',
          'Upgrade: websocket',
          'Connection: Upgrade',
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
          'Sec-WebSocket-Version: 13',
          ...(options.headers ?? []),
          '',
          '',
        ].join('\r\n'),
      );
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      status = Number(/^HTTP\/1\.1 (\d{3})/.exec(buffer.toString('latin1', 0, end))?.[1] ?? 0);
      if (status !== 101) return finish({ status, closeCode: null });
      const frame = buffer.subarray(end + 4);
      if (frame.length < 4) return;
      // A server frame is unmasked: [FIN|opcode, length, payload...]; a close payload starts with the code.
      const opcode = (frame[0] ?? 0) & 0x0f;
      finish({ status, closeCode: opcode === 0x8 ? frame.readUInt16BE(2) : null });
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish({ status, closeCode: null }));
  });
}
