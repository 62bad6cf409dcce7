/**
 * The operator's own Tiptap extensions (`--extensions <module>`): an ES module whose default
 * export is an array of extensions. The server's schema is the default one (shared/schema.ts)
 * plus these, for HTML and Markdown exports and imports and the schema record of the documents it
 * creates. The server loads the module once at start, to refuse a bad one before it listens; each
 * conversion worker loads it again (the schema is built there, never on the event loop).
 */
import { pathToFileURL } from 'node:url';
import type { AnyExtension } from '@tiptap/core';
import { ConfigError } from '../flags.js';

/** The kinds of object Tiptap's `Extension.create`, `Node.create` and `Mark.create` make. */
const EXTENSION_TYPES: ReadonlySet<unknown> = new Set(['extension', 'node', 'mark']);

/**
 * True for a Tiptap extension. By shape, not `instanceof`: the module may resolve its own copy
 * of @tiptap/core, whose classes are not this one's.
 */
function isExtension(value: unknown): value is AnyExtension {
  return (
    typeof value === 'object' &&
    value !== null &&
    EXTENSION_TYPES.has((value as { type?: unknown }).type) &&
    typeof (value as { name?: unknown }).name === 'string'
  );
}

/**
 * The extensions the module at `path` (absolute) exports by default. Throws a
 * {@link ConfigError} naming `--extensions` for a module that does not load or whose default
 * export is not an array of extensions.
 * @example
 * const extensions = await loadServerExtensions('/srv/app/tandem-extensions.js');
 */
export async function loadServerExtensions(path: string): Promise<AnyExtension[]> {
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    throw new ConfigError('--extensions', `cannot load ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const list = module.default;
  if (!Array.isArray(list))
    throw new ConfigError(
      '--extensions',
      `${path} must export an array of Tiptap extensions by default, got ${list === undefined ? 'no default export' : typeof list}`,
    );
  const bad = list.findIndex((item) => !isExtension(item));
  if (bad !== -1)
    throw new ConfigError(
      '--extensions',
      `${path}: item ${bad} of the default export is not a Tiptap extension (made with Extension.create, Node.create or Mark.create)`,
    );
  return list as AnyExtension[];
}
