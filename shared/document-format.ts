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
