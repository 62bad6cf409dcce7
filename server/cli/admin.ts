/**
 * The admin verbs of `tandem`: list, export, import, delete, compact, inspect, backup, restore,
 * doctor.
 * With `--server URL` (and `--token T` when the server checks tokens) they go through the
 * running server's HTTP API; otherwise they open the data dir (`--data`, default ./data)
 * directly, which works only while no server holds it. Output is for people by default and
 * JSON with `--json`.
 *
 * Exit codes: 0 done; 1 failed (storage, network, server error); 2 bad command line or input;
 * 3 no such document, or no data dir (only `tandem serve` creates one); 4 the document already
 * exists (import without --replace; restore without --replace reports what it skipped and ends
 * with 4 after restoring the rest); 5 refused by the server (token missing, invalid, or without
 * the right grant or admin claim); 6 the data dir is held by a running server. `doctor` exits 1
 * when it finds something wrong (a damaged journal file, a server that is not ready).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as Y from 'yjs';
import { contentNames } from '../../shared/content-names.js';
import {
  DOCUMENT_FORMATS as DOCUMENT_KINDS,
  isDocumentFormat as isDocumentKind,
  readDocumentFormat,
  RICHTEXT_FIELD,
  type DocumentFormat as DocumentKind,
} from '../../shared/document-format.js';
import { isValidDocumentName } from '../../shared/document-name.js';
import { ContentError } from '../api/conversion-errors.js';
import { loadServerExtensions } from '../api/server-extensions.js';
import { DOCUMENT_FORMATS, isDocumentFormat, type DocumentFormat } from '../api/formats.js';
import { ConfigError, rawSetting, readFlags } from '../config.js';
import { AdminError, type AdminFailure, type AdminTarget, type DocumentSummary } from './admin-target.js';
import { describeDiagnosis, diagnoseDataDir, diagnoseServer } from './doctor.js';
import { openLocalTarget } from './local-target.js';
import { openRemoteTarget } from './remote-target.js';
import type { VersionInfo } from '../storage/versions.js';

/** The admin verbs. */
export const ADMIN_VERBS = ['list', 'export', 'import', 'delete', 'compact', 'inspect', 'backup', 'restore', 'versions', 'doctor'] as const;

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

/** One line of synopsis and a sentence for each verb: `tandem <verb> --help` and the overview. */
const VERB_HELP: Readonly<Record<AdminVerb, { synopsis: string; text: string }>> = {
  list: { synopsis: 'tandem list', text: 'Lists the documents with their size, log length, last update and connected clients.' },
  export: {
    synopsis: 'tandem export <name> [--format F] [--out FILE]',
    text: `Writes the document to stdout, or to FILE. F: ${DOCUMENT_FORMATS.join(', ')} (default json).`,
  },
  import: {
    synopsis: 'tandem import <name> <file> [--format F] [--type plaintext] [--replace]',
    text: 'Creates the document from the file, once (a plain-text document, its text as it is, with --type plaintext); with --replace, edits an existing one in place so that open editors see the change.',
  },
  delete: { synopsis: 'tandem delete <name>', text: 'Deletes the document; its connected clients are closed with 4410.' },
  compact: { synopsis: 'tandem compact [<name>]', text: 'Merges the stored log into one update (every document without a name).' },
  inspect: {
    synopsis: 'tandem inspect <name>',
    text: 'Shows size, log length, connected clients, last update, format, and the node and mark types the content uses.',
  },
  backup: { synopsis: 'tandem backup <dir>', text: "Writes every document's Yjs state and a manifest.json into the folder." },
  restore: {
    synopsis: 'tandem restore <dir> [--replace]',
    text: 'Restores a backup: creates the documents that do not exist, and with --replace overwrites those that do. Without it, existing documents are skipped and listed, the rest restored, and the exit code is 4.',
  },
  versions: {
    synopsis: 'tandem versions <name> [--create [--label L] | --export ID [--format F] [--out FILE] | --restore ID]',
    text: `Lists the versions of a document, newest first; --create takes a version now (named with --label); --export writes one in F (${DOCUMENT_FORMATS.join(', ')}, default json); --restore applies one as an edit, after saving a before-restore version.`,
  },
  doctor: {
    synopsis: 'tandem doctor',
    text: "Reports damaged journal files in --data (it reads them without opening LevelDB, so it works beside a running server); with --server URL, that server's /readyz answer. Exits 1 when it finds something wrong.",
  },
};

const COMMON_FLAGS = `Flags: --data DIR (TANDEM_DATA, default ./data; must exist: only 'tandem serve' creates it),
       --server URL (TANDEM_SERVER) and --token T (TANDEM_TOKEN) to act on a running server,
       --json for machine-readable output,
       --extensions MODULE (TANDEM_EXTENSIONS) on a data dir: the server's extensions, for HTML and Markdown.
Exit codes: 0 ok, 1 failed, 2 bad usage or input, 3 no such document or data dir,
4 already exists, 5 refused by the server, 6 the data dir is held by a running server;
doctor: 1 when it finds something wrong.`;

/** Overview of the admin verbs, for `tandem --help`. */
export const ADMIN_USAGE = `Admin commands (on a stopped server's --data dir, or on a running one with --server URL [--token T]):
${ADMIN_VERBS.map((verb) => `  ${VERB_HELP[verb].synopsis}`).join('\n')}
Run 'tandem <command> --help' for what each does.`;

/** The help of one verb: `tandem <verb> --help`. */
export function adminVerbUsage(verb: AdminVerb): string {
  const { synopsis, text } = VERB_HELP[verb];
  return `Usage: ${synopsis} [--data DIR | --server URL [--token T]] [--json]\n\n${text}\n\n${COMMON_FLAGS}`;
}

const FLAGS: ReadonlySet<string> = new Set([
  'data',
  'server',
  'token',
  'extensions',
  'format',
  'type',
  'out',
  'replace',
  'json',
  'create',
  'label',
  'export',
  'restore',
]);
const SWITCHES: ReadonlySet<string> = new Set(['replace', 'json', 'create']);

/** The backup folder's table of contents. */
interface BackupManifest {
  version: 1;
  documents: { name: string; file: string; bytes: number; updatedAt: string; versions?: { info: VersionInfo; file: string }[] }[];
}

/** Where the verbs write: stdout for results, stderr for errors. */
export interface AdminOutput {
  out(text: string | Uint8Array): void;
  err(text: string): void;
}

interface Command<Verb extends AdminVerb = AdminVerb> {
  verb: Verb;
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

function typeFlag(command: Command): DocumentKind | null {
  const kind = single(command, 'type') ?? null;
  if (kind !== null && !isDocumentKind(kind)) throw new ConfigError('--type', `expected one of ${DOCUMENT_KINDS.join(', ')}, got '${kind}'`);
  return kind;
}

/** The --extensions module (absolute path), checked as `serve` checks it; null when not given. */
async function extensionsFlag(command: Command): Promise<string | null> {
  const raw = single(command, 'extensions');
  if (raw === null) return null;
  const path = resolve(raw);
  await loadServerExtensions(path);
  return path;
}

/**
 * A document's format and the node and mark names its content uses, read from its Yjs state
 * without a schema, so that an operator sees what any document holds (and what `--extensions`
 * must provide for HTML and Markdown).
 */
function contentSummary(state: Uint8Array): { format: string | null; nodes: string[]; marks: string[] } {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
    const used = contentNames(doc.getXmlFragment(RICHTEXT_FIELD));
    return { format: readDocumentFormat(doc), nodes: [...used.nodes].sort(), marks: [...used.marks].sort() };
  } finally {
    doc.destroy();
  }
}

/** `rows` as text, each column padded to its widest cell. */
function aligned(rows: readonly string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0))) ?? [];
  return `${rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

function table(documents: readonly DocumentSummary[]): string {
  if (documents.length === 0) return 'no documents\n';
  const rows = documents.map((d) => [d.name, String(d.bytes), String(d.updates), d.updatedAt, d.clients === null ? '-' : String(d.clients)]);
  const all = [['NAME', 'BYTES', 'UPDATES', 'UPDATED', 'CLIENTS'], ...rows];
  return aligned(all);
}

async function backup(target: AdminTarget, dir: string): Promise<BackupManifest> {
  await mkdir(dir, { recursive: true });
  const manifest: BackupManifest = { version: 1, documents: [] };
  for (const [index, info] of (await target.list()).entries()) {
    const file = `${String(index).padStart(6, '0')}.yjs`;
    const bytes = await target.read(info.name, 'yjs');
    await writeFile(join(dir, file), bytes);
    const versions: { info: VersionInfo; file: string }[] = [];
    for (const [at, version] of (await target.versions(info.name)).entries()) {
      const versionFile = `${String(index).padStart(6, '0')}.v${String(at).padStart(4, '0')}.yjs`;
      await writeFile(join(dir, versionFile), await target.readVersion(info.name, version.id, 'yjs'));
      versions.push({ info: version, file: versionFile });
    }
    manifest.documents.push({ name: info.name, file, bytes: bytes.length, updatedAt: info.updatedAt, versions });
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

/** What a restore did with each document of the backup. */
interface RestoreReport {
  restored: string[];
  replaced: string[];
  skipped: string[];
}

/**
 * Restores every document of the manifest: one that exists is replaced with `replace`, else
 * skipped and reported; the others are restored whatever was skipped before them.
 */
async function restore(target: AdminTarget, dir: string, manifest: BackupManifest, replace: boolean): Promise<RestoreReport> {
  const report: RestoreReport = { restored: [], replaced: [], skipped: [] };
  for (const entry of manifest.documents) {
    const bytes = await readFile(join(dir, entry.file));
    try {
      const created = await target.write(entry.name, 'yjs', bytes, replace);
      (created ? report.restored : report.replaced).push(entry.name);
    } catch (error) {
      if (!(error instanceof AdminError && error.reason === 'conflict')) throw error;
      report.skipped.push(entry.name);
      continue;
    }
    // Versions keep their ids, so restoring over a document that has them replaces rather than doubles them.
    for (const version of entry.versions ?? []) await target.putVersion(entry.name, version.info, await readFile(join(dir, version.file)));
  }
  return report;
}

/** Checks every entry of the manifest before anything is written, so a bad backup writes nothing. */
function checkManifest(dir: string, manifest: BackupManifest): void {
  for (const entry of manifest.documents) {
    const files = [entry.file, ...(entry.versions ?? []).map((version) => version.file)];
    if (!isValidDocumentName(entry.name) || files.some((file) => typeof file !== 'string' || file.includes('/'))) {
      throw new AdminError('bad_input', `${dir}/manifest.json lists an invalid entry '${String(entry.name)}'`);
    }
  }
}

function describeRestore(dir: string, report: RestoreReport): string {
  const lines = [`restored ${report.restored.length} documents from ${dir}`];
  if (report.replaced.length > 0) lines.push(`replaced ${report.replaced.length}: ${report.replaced.join(', ')}`);
  if (report.skipped.length > 0) lines.push(`skipped ${report.skipped.length} that exist (use --replace to overwrite them): ${report.skipped.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** The verbs that act on documents, through a target. */
type DocumentVerb = Exclude<AdminVerb, 'doctor'>;

async function run(command: Command<DocumentVerb>, target: AdminTarget, output: AdminOutput, manifest: BackupManifest | null): Promise<void> {
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
      const created = await target.write(name, formatFlag(command), body, command.flags.has('replace'), typeFlag(command));
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
      const name = documentArg(command, 0);
      const info = await target.info(name);
      const content = contentSummary(await target.read(name, 'yjs'));
      const clients = info.clients === null ? '- (server not running)' : String(info.clients);
      const list = (names: readonly string[]): string => (names.length === 0 ? '-' : names.join(', '));
      return say(
        `name:        ${info.name}\nsize:        ${info.bytes} bytes\nlog length:  ${info.updates}\nclients:     ${clients}\nlast update: ${info.updatedAt}\n` +
          `format:      ${content.format ?? '- (empty)'}\nnodes:       ${list(content.nodes)}\nmarks:       ${list(content.marks)}\n`,
        { ...info, ...content },
      );
    }
    case 'backup': {
      const dir = arg(command, 0, 'a backup folder');
      const manifest = await backup(target, dir);
      return say(`backed up ${manifest.documents.length} documents to ${dir}\n`, manifest);
    }
    case 'restore': {
      const dir = arg(command, 0, 'a backup folder');
      if (manifest === null) throw new Error('restore runs with the manifest it read');
      const report = await restore(target, dir, manifest, command.flags.has('replace'));
      say(describeRestore(dir, report), report);
      if (report.skipped.length > 0)
        throw new AdminError('conflict', `${report.skipped.length} of ${manifest.documents.length} documents were skipped because they exist`);
      return;
    }
    case 'versions':
      return versions(command, target, say, output);
    default:
      return command.verb satisfies never;
  }
}

function versionTable(versions: readonly VersionInfo[]): string {
  if (versions.length === 0) return 'no versions\n';
  const rows = versions.map((v) => [v.id, v.kind, new Date(v.createdAt).toISOString(), v.createdBy ?? '-', String(v.bytes), v.label ?? '']);
  const all = [['ID', 'KIND', 'CREATED', 'BY', 'BYTES', 'LABEL'], ...rows];
  return aligned(all);
}

/** `tandem versions <name>` and its --create, --export and --restore. */
async function versions(command: Command, target: AdminTarget, say: (human: string, data: unknown) => void, output: AdminOutput): Promise<void> {
  const name = documentArg(command, 0);
  const exportId = single(command, 'export');
  const restoreId = single(command, 'restore');
  if ([command.flags.has('create'), exportId !== null, restoreId !== null].filter(Boolean).length > 1) {
    throw new ConfigError('versions', 'give one of --create, --export and --restore');
  }
  if (command.flags.has('create')) {
    const version = await target.createVersion(name, single(command, 'label'));
    return say(`created version ${version.id} of ${name}\n`, version);
  }
  if (exportId !== null) {
    const bytes = await target.readVersion(name, exportId, formatFlag(command));
    const out = single(command, 'out');
    if (out === null) return output.out(bytes);
    await writeFile(out, bytes);
    return say(`wrote ${bytes.length} bytes to ${out}\n`, { file: out, bytes: bytes.length });
  }
  if (restoreId !== null) {
    const before = await target.restoreVersion(name, restoreId);
    return say(`restored ${name} to version ${restoreId}; what it held before is version ${before.id}\n`, { restored: restoreId, beforeRestore: before });
  }
  const list = await target.versions(name);
  return say(versionTable(list), { versions: list });
}

/** `doctor`: reads the data dir's journal files itself, with no store opened, or asks the server. */
async function doctor(command: Command, server: string | null, output: AdminOutput): Promise<number> {
  const dataDir = single(command, 'data') ?? './data';
  const diagnosis = server === null ? diagnoseDataDir(dataDir) : await diagnoseServer(server);
  output.out(command.flags.has('json') ? `${JSON.stringify(diagnosis)}\n` : describeDiagnosis(server ?? dataDir, diagnosis));
  return diagnosis.healthy ? EXIT_CODES.ok : EXIT_CODES.failed;
}

/** Runs one admin verb; resolves with the process exit code. */
export async function runAdmin(
  verb: AdminVerb,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  output: AdminOutput,
): Promise<number> {
  let command: Command;
  try {
    const { flags, positionals, help } = readFlags(argv, FLAGS, SWITCHES);
    if (help) {
      output.out(`${adminVerbUsage(verb)}\n`);
      return EXIT_CODES.ok;
    }
    command = { verb, args: positionals, flags, env };
    // Checked before anything is opened, so that a typo never waits on storage or the network.
    if (verb === 'export' || verb === 'import' || verb === 'versions') formatFlag(command);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    output.err(`tandem ${verb}: ${error.message}\nRun 'tandem ${verb} --help' for the flags.\n`);
    return EXIT_CODES.usage;
  }
  let target: AdminTarget | null = null;
  try {
    // A restore reads and checks its backup before opening anything, so a bad one touches nothing.
    let manifest: BackupManifest | null = null;
    if (verb === 'restore') {
      const dir = arg(command, 0, 'a backup folder');
      manifest = await readManifest(dir);
      checkManifest(dir, manifest);
    }
    const server = single(command, 'server');
    if (verb === 'doctor') return await doctor(command, server, output);
    target =
      server === null
        ? await openLocalTarget(single(command, 'data') ?? './data', await extensionsFlag(command))
        : openRemoteTarget(server, single(command, 'token'));
    await run({ ...command, verb }, target, output, manifest);
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
