/**
 * The admin verbs of `tandem`: list, export, import, delete, compact, inspect, backup, restore.
 * With `--server URL` (and `--token T` when the server checks tokens) they go through the
 * running server's HTTP API; otherwise they open the data dir (`--data`, default ./data)
 * directly, which works only while no server holds it. Output is for people by default and
 * JSON with `--json`.
 *
 * Exit codes: 0 done; 1 failed (storage, network, server error); 2 bad command line or input;
 * 3 no such document; 4 the document already exists (import without --replace, restore over an
 * existing document); 5 refused by the server (token missing, invalid, or without the right
 * grant or admin claim); 6 the data dir is held by a running server.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isValidDocumentName } from '../../shared/document-name.js';
import { ContentError } from '../api/conversion-errors.js';
import { DOCUMENT_FORMATS, isDocumentFormat, type DocumentFormat } from '../api/formats.js';
import { ConfigError, rawSetting, readFlags } from '../config.js';
import { AdminError, type AdminFailure, type AdminTarget, type DocumentSummary } from './admin-target.js';
import { openLocalTarget } from './local-target.js';
import { openRemoteTarget } from './remote-target.js';

/** The admin verbs. */
export const ADMIN_VERBS = ['list', 'export', 'import', 'delete', 'compact', 'inspect', 'backup', 'restore'] as const;

/** One of {@link ADMIN_VERBS}. */
export type AdminVerb = (typeof ADMIN_VERBS)[number];

/** True when `verb` is an admin verb. */
export function isAdminVerb(verb: string): verb is AdminVerb {
  return (ADMIN_VERBS as readonly string[]).includes(verb);
}

/** Exit code of each failure (see the module comment). */
export const EXIT_CODES: Readonly<Record<AdminFailure | 'ok' | 'usage', number>> = {
  ok: 0,
  failed: 1,
  usage: 2,
  bad_input: 2,
  not_found: 3,
  conflict: 4,
  denied: 5,
  locked: 6,
};

/** Usage of the admin verbs, for `--help`. */
export const ADMIN_USAGE = `Admin commands (on a stopped server's --data dir, or on a running one with --server URL [--token T]):
  tandem list                                  documents with size, log length, last update, clients
  tandem export <name> [--format F] [--out FILE]   F: ${DOCUMENT_FORMATS.join(', ')} (default json)
  tandem import <name> <file> [--format F] [--replace]   create once; --replace edits it in place
  tandem delete <name>                         connected clients are closed with 4410
  tandem compact [<name>]                      merge the stored log (every document without a name)
  tandem inspect <name>                        size, log length, clients, last update
  tandem backup <dir>                          every document's Yjs state and a manifest
  tandem restore <dir>                         into documents that do not exist yet
Flags: --data DIR (TANDEM_DATA), --server URL (TANDEM_SERVER), --token T (TANDEM_TOKEN), --json.
Exit codes: 0 ok, 1 failed, 2 bad usage or input, 3 no such document, 4 already exists,
5 refused by the server, 6 the data dir is held by a running server.`;

const FLAGS: ReadonlySet<string> = new Set(['data', 'server', 'token', 'format', 'out', 'replace', 'json']);
const SWITCHES: ReadonlySet<string> = new Set(['replace', 'json']);

/** The backup folder's table of contents. */
interface BackupManifest {
  version: 1;
  documents: { name: string; file: string; bytes: number; updatedAt: string }[];
}

/** Where the verbs write: stdout for results, stderr for errors. */
export interface AdminOutput {
  out(text: string | Uint8Array): void;
  err(text: string): void;
}

interface Command {
  verb: AdminVerb;
  args: string[];
  flags: Map<string, string[]>;
  env: Readonly<Record<string, string | undefined>>;
}

function single(command: Command, name: string): string | null {
  return rawSetting(name, command.flags, command.env)?.value ?? null;
}

function arg(command: Command, index: number, what: string): string {
  const value = command.args[index];
  if (value === undefined) throw new ConfigError(command.verb, `needs ${what}`);
  return value;
}

function documentArg(command: Command, index: number): string {
  const name = arg(command, index, 'a document name');
  if (!isValidDocumentName(name)) throw new ConfigError(command.verb, `'${name}' is not a valid document name`);
  return name;
}

function formatFlag(command: Command): DocumentFormat {
  const format = single(command, 'format') ?? 'json';
  if (!isDocumentFormat(format)) throw new ConfigError('--format', `expected one of ${DOCUMENT_FORMATS.join(', ')}, got '${format}'`);
  return format;
}

function table(documents: readonly DocumentSummary[]): string {
  if (documents.length === 0) return 'no documents\n';
  const rows = documents.map((d) => [d.name, String(d.bytes), String(d.updates), d.updatedAt, d.clients === null ? '-' : String(d.clients)]);
  const all = [['NAME', 'BYTES', 'UPDATES', 'UPDATED', 'CLIENTS'], ...rows];
  const widths = all[0]?.map((_, i) => Math.max(...all.map((row) => row[i]?.length ?? 0))) ?? [];
  return `${all.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')}\n`;
}

async function backup(target: AdminTarget, dir: string): Promise<BackupManifest> {
  await mkdir(dir, { recursive: true });
  const manifest: BackupManifest = { version: 1, documents: [] };
  for (const [index, info] of (await target.list()).entries()) {
    const file = `${String(index).padStart(6, '0')}.yjs`;
    const bytes = await target.read(info.name, 'yjs');
    await writeFile(join(dir, file), bytes);
    manifest.documents.push({ name: info.name, file, bytes: bytes.length, updatedAt: info.updatedAt });
  }
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

async function readManifest(dir: string): Promise<BackupManifest> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
  } catch (error) {
    throw new AdminError('bad_input', `${dir} holds no readable manifest.json: is it a Tandem backup?`, { cause: error });
  }
  if (manifest.version !== 1 || !Array.isArray(manifest.documents)) throw new AdminError('bad_input', `${dir}/manifest.json is not a Tandem backup manifest`);
  return manifest;
}

async function restore(target: AdminTarget, dir: string): Promise<string[]> {
  const manifest = await readManifest(dir);
  const restored: string[] = [];
  for (const entry of manifest.documents) {
    if (!isValidDocumentName(entry.name) || entry.file.includes('/')) throw new AdminError('bad_input', `the manifest lists an invalid entry '${entry.name}'`);
    await target.write(entry.name, 'yjs', await readFile(join(dir, entry.file)), false);
    restored.push(entry.name);
  }
  return restored;
}

async function run(command: Command, target: AdminTarget, output: AdminOutput): Promise<void> {
  const json = command.flags.has('json');
  const say = (human: string, data: unknown): void => output.out(json ? `${JSON.stringify(data)}\n` : human);
  switch (command.verb) {
    case 'list': {
      const documents = await target.list();
      return say(table(documents), documents);
    }
    case 'export': {
      const bytes = await target.read(documentArg(command, 0), formatFlag(command));
      const out = single(command, 'out');
      if (out === null) return output.out(bytes);
      await writeFile(out, bytes);
      return say(`wrote ${bytes.length} bytes to ${out}\n`, { file: out, bytes: bytes.length });
    }
    case 'import': {
      const name = documentArg(command, 0);
      const file = arg(command, 1, 'a file to import');
      let body: Uint8Array;
      try {
        body = await readFile(file);
      } catch (error) {
        throw new AdminError('bad_input', `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      const created = await target.write(name, formatFlag(command), body, command.flags.has('replace'));
      return say(`${created ? 'created' : 'replaced'} ${name}\n`, { name, created });
    }
    case 'delete': {
      const name = documentArg(command, 0);
      await target.delete(name);
      return say(`deleted ${name}\n`, { name, deleted: true });
    }
    case 'compact': {
      const names = command.args.length > 0 ? [documentArg(command, 0)] : (await target.list()).map((d) => d.name);
      for (const name of names) await target.compact(name);
      return say(`compacted ${names.length} document${names.length === 1 ? '' : 's'}\n`, { compacted: names });
    }
    case 'inspect': {
      const info = await target.info(documentArg(command, 0));
      const clients = info.clients === null ? '- (server not running)' : String(info.clients);
      return say(`name:        ${info.name}\nsize:        ${info.bytes} bytes\nlog length:  ${info.updates}\nclients:     ${clients}\nlast update: ${info.updatedAt}\n`, info);
    }
    case 'backup': {
      const dir = arg(command, 0, 'a backup folder');
      const manifest = await backup(target, dir);
      return say(`backed up ${manifest.documents.length} documents to ${dir}\n`, manifest);
    }
    case 'restore': {
      const dir = arg(command, 0, 'a backup folder');
      const restored = await restore(target, dir);
      return say(`restored ${restored.length} documents from ${dir}\n`, { restored });
    }
    default:
      return command.verb satisfies never;
  }
}

/** Runs one admin verb; resolves with the process exit code. */
export async function runAdmin(verb: AdminVerb, argv: readonly string[], env: Readonly<Record<string, string | undefined>>, output: AdminOutput): Promise<number> {
  let command: Command;
  try {
    const { flags, positionals, help } = readFlags(argv, FLAGS, SWITCHES);
    if (help) {
      output.out(`${ADMIN_USAGE}\n`);
      return EXIT_CODES.ok;
    }
    command = { verb, args: positionals, flags, env };
    // Checked before anything is opened, so that a typo never waits on storage or the network.
    if (verb === 'export' || verb === 'import') formatFlag(command);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    output.err(`tandem ${verb}: ${error.message}\nRun 'tandem ${verb} --help' for the flags.\n`);
    return EXIT_CODES.usage;
  }
  let target: AdminTarget | null = null;
  try {
    const server = single(command, 'server');
    target = server === null ? await openLocalTarget(single(command, 'data') ?? './data') : openRemoteTarget(server, single(command, 'token'));
    await run(command, target, output);
    return EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof ContentError) {
      output.err(`tandem ${verb}: ${error.message}\n`);
      return EXIT_CODES.usage;
    }
    if (error instanceof AdminError) {
      output.err(`tandem ${verb}: ${error.message}\n`);
      return EXIT_CODES[error.reason];
    }
    output.err(`tandem ${verb}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_CODES.failed;
  } finally {
    await target?.close();
  }
}
