#!/usr/bin/env node
/**
 * `tandem [serve] [flags]`: starts the sync server from flags and environment variables.
 * `tandem token [flags]`: prints a token signed with the server's secret, alone on stdout.
 * `tandem list|export|import|delete|compact|inspect|backup|restore|doctor`: admin verbs (cli/admin.ts,
 * which documents their own exit codes).
 * Exit codes: 0 after a clean shutdown, 1 when the server cannot start (data dir in use, port
 * taken), 2 for a bad flag or value.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOKEN_USAGE, parseTokenCommand, type TokenCommand } from './auth/token-command.js';
import { mintToken } from './auth/tokens.js';
import { isAdminVerb, runAdmin } from './cli/admin.js';
import { ConfigError, parseCommand, type TandemConfig } from './config.js';
import { usage } from './usage.js';
import { createTandemServer, type TandemServer } from './index.js';
import { StoreLockedError } from './storage/store.js';
import { tandemVersion } from './version.js';

/**
 * The built demo app, or none when not built: beside this file (dist/server -> dist/app), or the
 * repository's dist/app seen from the sources (server/) or from the server package's build
 * (server/dist/server). The published package carries no app, so there it finds none.
 */
function findStaticDir(): string | null {
  for (const relative of ['../app', '../dist/app', '../../../dist/app']) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${dir}/index.html`)) return dir;
  }
  return null;
}

function fail(message: string, code: number): never {
  process.stderr.write(`tandem: ${message}\n`);
  process.exit(code);
}

function parse(staticDir: string | null): TandemConfig {
  try {
    const { verb, help, config } = parseCommand(process.argv.slice(2), process.env, staticDir);
    if (help) {
      process.stdout.write(`${usage(staticDir)}\n`);
      process.exit(0);
    }
    if (verb !== 'serve')
      throw new ConfigError(
        verb,
        "unknown command (the commands are 'serve', 'token', 'list', 'export', 'import', 'delete', 'compact', 'inspect', 'backup', 'restore' and 'doctor')",
      );
    return config;
  } catch (error) {
    if (error instanceof ConfigError) fail(`${error.message}\nRun 'tandem --help' for the flags.`, 2);
    throw error;
  }
}

async function start(config: TandemConfig): Promise<TandemServer> {
  try {
    return await createTandemServer(config);
  } catch (error) {
    if (error instanceof StoreLockedError) fail(error.message, 1);
    if (error instanceof ConfigError) fail(`${error.message}\nRun 'tandem --help' for the flags.`, 2);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') fail(`port ${config.port} on ${config.host} is already in use`, 1);
    if (code === 'EACCES') fail(`not allowed to listen on port ${config.port}`, 1);
    fail(error instanceof Error ? error.message : String(error), 1);
  }
}

/**
 * The start-up line for the person at the terminal, on stderr so that stdout stays JSON for log
 * collectors: where to open the app, where documents live, cluster mode and version.
 */
function announce(server: TandemServer, config: TandemConfig): void {
  if (config.logLevel === 'warn' || config.logLevel === 'error' || config.logLevel === 'fatal' || config.logLevel === 'silent') return;
  const open = config.staticDir === null ? `documents at ${server.wsUrl}/<name>` : `open ${server.httpUrl}`;
  const storage = config.databaseUrl !== null ? 'documents in PostgreSQL' : `documents in ${resolve(config.dataDir)}`;
  const cluster = config.redisUrl === null ? 'single instance' : 'cluster mode (Redis fan-out)';
  const auth = config.auth === null ? 'open to anyone who can reach it' : 'tokens required';
  process.stderr.write(`Tandem ${tandemVersion()}: ${open} · ${storage} · ${cluster} · ${auth}\n`);
}

/**
 * First SIGTERM/SIGINT: graceful close, exit 0. A second one: exit at once. Listening from the
 * start: the server logs `listening` before `createTandemServer` resolves, and a process manager
 * may signal as soon as it reads that line.
 */
function stopOnSignals(server: Promise<TandemServer>): void {
  let stopping = false;
  const onSignal = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    server
      .then((started) => started.close())
      .then(
        () => process.exit(0),
        (error: unknown) => fail(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`, 1),
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** `tandem token`: the token alone on stdout, so that `TOKEN=$(tandem token ...)` works. */
async function printToken(argv: readonly string[]): Promise<void> {
  let command: TokenCommand;
  try {
    command = parseTokenCommand(argv, process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(`${error.message}\nRun 'tandem token --help' for the flags.`, 2);
    throw error;
  }
  if (command.help) {
    process.stdout.write(`${TOKEN_USAGE}\n`);
    return;
  }
  process.stdout.write(`${await mintToken(command.mint)}\n`);
}

const argv = process.argv.slice(2);
const verb = argv[0] ?? 'serve';
if (verb === 'token') {
  await printToken(argv.slice(1));
} else if (isAdminVerb(verb)) {
  process.exitCode = await runAdmin(verb, argv.slice(1), process.env, {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  });
} else {
  const config = parse(findStaticDir());
  const server = start(config);
  stopOnSignals(server);
  announce(await server, config);
}
