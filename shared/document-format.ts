/**
 * A document's format is a property of the document itself: a Y.Map `tandem` holding `format`,
 * written once by the client that creates the document. Rich text lives in the Y.XmlFragment
 * `default`, plain text in the Y.Text `text`. A document without the record (written by an older
 * client or a script) is known by the content it holds. The server reads the same record to
 * export a document in its own format.
 */
import type * as Y from 'yjs';

/** How a document's content is stored and edited. */
export type DocumentFormat = 'richtext' | 'plaintext';

/** Every format, for validation and choosers. */
export const DOCUMENT_FORMATS: readonly DocumentFormat[] = ['richtext', 'plaintext'];

/** The Y.Map holding Tandem's own facts about a document. */
export const META_MAP = 'tandem';

/** The key of the format in {@link META_MAP}. */
export const FORMAT_KEY = 'format';

/** The Y.XmlFragment every rich-text document lives in. */
export const RICHTEXT_FIELD = 'default';

/** The Y.Text every plain-text document lives in. */
export const PLAINTEXT_FIELD = 'text';

/** True for a known format name. */
export function isDocumentFormat(value: unknown): value is DocumentFormat {
  return value === 'richtext' || value === 'plaintext';
}

/** The length of a top-level type by name, without defining it (a doc may not know its kind yet). */
function sharedLength(doc: Y.Doc, name: string): number {
  return doc.share.get(name)?._length ?? 0;
}

/**
 * The document's format: the record if there is one, else the format whose content it holds,
 * else null (an empty document nobody has claimed yet).
 */
export function readDocumentFormat(doc: Y.Doc): DocumentFormat | null {
  const recorded = doc.share.has(META_MAP) ? doc.getMap(META_MAP).get(FORMAT_KEY) : undefined;
  if (isDocumentFormat(recorded)) return recorded;
  if (sharedLength(doc, RICHTEXT_FIELD) > 0) return 'richtext';
  if (sharedLength(doc, PLAINTEXT_FIELD) > 0) return 'plaintext';
  return null;
}

/** Records `format` as the document's format; call once, when creating the document. */
export function writeDocumentFormat(doc: Y.Doc, format: DocumentFormat, origin?: unknown): void {
  doc.transact(() => doc.getMap(META_MAP).set(FORMAT_KEY, format), origin);
}

/**
 * The schema record: the node and mark names a rich-text document was written with, as flat
 * keys of {@link META_MAP} (`node:paragraph`, `mark:bold`, each `true`) and an app's version
 * under {@link SCHEMA_VERSION_KEY}. Flat keys, not a nested map or list: two clients that record
 * at once (offline, or racing to a new document) merge into the union instead of one list
 * replacing the other. Names are only ever added, never removed.
 */
export interface SchemaRecord {
  readonly nodes: ReadonlySet<string>;
  readonly marks: ReadonlySet<string>;
  /** The version an app set for its schema, or null. */
  readonly version: string | null;
}

/** The key of the app's schema version in {@link META_MAP}. */
export const SCHEMA_VERSION_KEY = 'schemaVersion';

const NODE_PREFIX = 'node:';
const MARK_PREFIX = 'mark:';

/** The document's schema record, or null when none was written (an older client, a script). */
export function readSchemaRecord(doc: Y.Doc): SchemaRecord | null {
  if (!doc.share.has(META_MAP)) return null;
  const meta = doc.getMap(META_MAP);
  const nodes = new Set<string>();
  const marks = new Set<string>();
  for (const key of meta.keys()) {
    if (key.startsWith(NODE_PREFIX)) nodes.add(key.slice(NODE_PREFIX.length));
    else if (key.startsWith(MARK_PREFIX)) marks.add(key.slice(MARK_PREFIX.length));
  }
  const version = meta.get(SCHEMA_VERSION_KEY);
  if (nodes.size === 0 && marks.size === 0 && version === undefined) return null;
  return { nodes, marks, version: typeof version === 'string' ? version : null };
}

/** What {@link addToSchemaRecord} adds. */
export interface SchemaRecordAddition {
  readonly nodes?: Iterable<string> | undefined;
  readonly marks?: Iterable<string> | undefined;
  /** Replaces the recorded version when given. */
  readonly version?: string | undefined;
}

/**
 * Adds names (and sets the version) in one transaction, writing only what is not recorded yet;
 * returns whether anything was written.
 */
export function addToSchemaRecord(doc: Y.Doc, addition: SchemaRecordAddition, origin?: unknown): boolean {
  const meta = doc.getMap(META_MAP);
  const keys = [...[...(addition.nodes ?? [])].map((name) => NODE_PREFIX + name), ...[...(addition.marks ?? [])].map((name) => MARK_PREFIX + name)].filter(
    (key) => meta.get(key) !== true,
  );
  const version = addition.version !== undefined && meta.get(SCHEMA_VERSION_KEY) !== addition.version ? addition.version : undefined;
  if (keys.length === 0 && version === undefined) return false;
  doc.transact(() => {
    for (const key of keys) meta.set(key, true);
    if (version !== undefined) meta.set(SCHEMA_VERSION_KEY, version);
  }, origin);
  return true;
}
