/**
 * Converts documents between their stored form (a Yjs update of the XmlFragment 'default') and
 * the formats of the HTTP API: ProseMirror JSON, HTML, Markdown and plain text, all through the
 * one editor schema (shared/schema.ts) plus the operator's extensions (server-extensions.ts);
 * JSON and text of a document holding other types are read from its Yjs XML without a schema
 * (shared/content-json.ts). HTML is parsed and written with ProseMirror's own DOM
 * parser and serializer over a happy-dom document (the server has no DOM of its own), Markdown
 * with @tiptap/markdown, JSON -> Yjs with @tiptap/y-tiptap.
 *
 * These functions take as long and as much memory as their input asks for: the server runs them
 * in worker threads with a deadline and a heap limit (convert-pool.ts), and each checks the
 * document's size and depth against its {@link ConversionBounds} before its expensive steps.
 */
import { createRequire } from 'node:module';
import { getSchema, type AnyExtension, type JSONContent } from '@tiptap/core';
import { MarkdownManager } from '@tiptap/markdown';
import { DOMParser, DOMSerializer, Node as PmNode, type Schema } from '@tiptap/pm/model';
import { prosemirrorJSONToYXmlFragment, updateYFragment } from '@tiptap/y-tiptap';
import type { Window } from 'happy-dom';
import * as Y from 'yjs';
import { contentJson, contentText, type ContentNode } from '../../shared/content-json.js';
import { contentNames, missingNames } from '../../shared/content-names.js';
import { addToSchemaRecord, PLAINTEXT_FIELD, writeDocumentFormat, type DocumentFormat as DocumentKind } from '../../shared/document-format.js';
import { DOCUMENT_FIELD, schemaExtensions } from '../../shared/schema.js';
import { plainTextOf, replaceTextUpdate } from '../versions/restore.js';
import { checkBodyBytes, checkDomBounds, checkJsonBounds, checkMarkdownDepth, checkNodeCount, UNBOUNDED, type ConversionBounds } from './content-bounds.js';
import { ContentError, MissingTypesError } from './conversion-errors.js';
import type { DocumentFormat } from './formats.js';

export { ContentError, MissingTypesError } from './conversion-errors.js';
export type { ConversionBounds } from './content-bounds.js';
export { CONTENT_TYPES, DOCUMENT_FORMATS, isDocumentFormat, type DocumentFormat } from './formats.js';

interface Tooling {
  schema: Schema;
  markdown: MarkdownManager;
}

let tooling: Tooling | null = null;
let htmlWindow: Window | null = null;
let operatorExtensions: readonly AnyExtension[] = [];

/**
 * Adds the operator's extensions (`--extensions`, see server-extensions.ts) to the default schema
 * of every conversion from now on.
 */
export function useServerExtensions(extensions: readonly AnyExtension[]): void {
  operatorExtensions = extensions;
  tooling = null;
}

/** Built on first use, so that importing this module costs nothing. */
function tools(): Tooling {
  if (tooling === null) {
    const extensions = [...schemaExtensions(), ...operatorExtensions];
    tooling = { schema: getSchema(extensions), markdown: new MarkdownManager({ extensions }) };
  }
  return tooling;
}

/**
 * The DOM that HTML is parsed and written in. happy-dom is loaded with the first HTML conversion
 * (a synchronous require of its ES module): it is most of the time a conversion worker takes to
 * start, and the other formats never need it.
 */
function dom(): Window {
  if (htmlWindow === null) {
    const { Window: HappyWindow } = createRequire(import.meta.url)('happy-dom') as typeof import('happy-dom');
    // Content is only parsed and serialised: no script runs and nothing is fetched.
    htmlWindow = new HappyWindow({
      settings: { disableJavaScriptEvaluation: true, disableJavaScriptFileLoading: true, disableCSSFileLoading: true, disableIframePageLoading: true },
    });
  }
  return htmlWindow;
}

/**
 * Loads what converting to or from `format` needs (the schema and parsers; happy-dom for HTML),
 * so that a caller timing the conversion itself can leave the loading out.
 */
export function prepareConversion(format: DocumentFormat): void {
  tools();
  if (format === 'html') dom();
}

/** A document node of the schema from ProseMirror JSON; throws {@link ContentError} when it does not fit. */
function toNode(json: JSONContent): PmNode {
  try {
    const node = PmNode.fromJSON(tools().schema, json);
    node.check();
    return node;
  } catch (error) {
    throw new ContentError(`the content does not fit the editor schema: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** A stored rich-text document, read without a schema, and what of it the server's schema lacks. */
interface RichContent {
  /** The content as JSON (see shared/content-json.ts); an empty document is one empty paragraph. */
  json: JSONContent;
  /** Names the schema lacks (see missingNames); empty when the schema holds the whole document. */
  missing: string[];
}

function readRichContent(doc: Y.Doc, bounds: ConversionBounds): RichContent {
  const fragment = doc.getXmlFragment(DOCUMENT_FIELD);
  const read = contentJson(fragment) as JSONContent;
  checkJsonBounds(read, bounds);
  const json = read.content === undefined ? { type: 'doc', content: [{ type: 'paragraph' }] } : read;
  const missing = missingNames(contentNames(fragment), tools().schema);
  // Through the schema when it holds everything, so that each node carries its attributes' defaults.
  return { json: missing.length === 0 ? (toNode(json).toJSON() as JSONContent) : json, missing };
}

function richContentOf(update: Uint8Array | null, bounds: ConversionBounds): RichContent {
  const doc = new Y.Doc();
  try {
    if (update !== null) Y.applyUpdate(doc, update);
    return readRichContent(doc, bounds);
  } finally {
    doc.destroy();
  }
}

/**
 * The JSON of a stored document (an empty document for null), whatever types it holds: through
 * the schema when the schema has them all, else as read from its Yjs XML.
 */
export function updateToJson(update: Uint8Array | null, bounds: ConversionBounds = UNBOUNDED): JSONContent {
  return richContentOf(update, bounds).json;
}

/**
 * A rich-text document in `format`. JSON and text are read from the Yjs XML, so they work for
 * any document; HTML and Markdown are written by the schema, so a document holding types the
 * schema lacks is refused whole ({@link MissingTypesError}) rather than exported in part.
 */
function renderRichContent({ json, missing }: RichContent, format: Exclude<DocumentFormat, 'yjs'>): string {
  if (missing.length === 0) return renderJson(json, format);
  if (format === 'json') return `${JSON.stringify(json)}\n`;
  if (format === 'text') return contentText(json as ContentNode);
  throw new MissingTypesError(missing);
}

/** Writes a document (ProseMirror JSON) in a text format. */
export function renderJson(json: JSONContent, format: Exclude<DocumentFormat, 'yjs'>): string {
  const node = toNode(json);
  switch (format) {
    case 'json':
      return `${JSON.stringify(node.toJSON())}\n`;
    case 'html': {
      const { schema } = tools();
      const window = dom();
      const container = window.document.createElement('div');
      const fragment = DOMSerializer.fromSchema(schema).serializeFragment(node.content, { document: window.document as unknown as Document });
      container.appendChild(fragment as unknown as Parameters<typeof container.appendChild>[0]);
      return container.innerHTML;
    }
    case 'markdown':
      return tools().markdown.serialize(node.toJSON() as JSONContent);
    case 'text':
      return node.textBetween(0, node.content.size, '\n', '\n');
    default:
      return format satisfies never;
  }
}

/** Reads a document in a text format into ProseMirror JSON of the schema. */
export function parseContent(body: string, format: Exclude<DocumentFormat, 'yjs'>, bounds: ConversionBounds = UNBOUNDED): JSONContent {
  checkBodyBytes(Buffer.byteLength(body, 'utf8'), bounds);
  switch (format) {
    case 'json': {
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch (error) {
        throw new ContentError('the body is not valid JSON', { cause: error });
      }
      if (typeof json !== 'object' || json === null || (json as JSONContent).type !== 'doc')
        throw new ContentError("expected ProseMirror JSON with type 'doc'");
      checkJsonBounds(json as JSONContent, bounds);
      return toNode(json as JSONContent).toJSON() as JSONContent;
    }
    case 'html': {
      // A start tag opens at most one element: too many of them is refused before happy-dom builds them.
      checkNodeCount(countMatches(body, /<[a-z]/gi), bounds);
      const { schema } = tools();
      const container = dom().document.createElement('div');
      container.innerHTML = body;
      checkDomBounds(container, bounds);
      return DOMParser.fromSchema(schema)
        .parse(container as unknown as HTMLElement)
        .toJSON() as JSONContent;
    }
    case 'markdown': {
      checkMarkdownDepth(body, bounds);
      const json = tools().markdown.parse(body);
      checkJsonBounds(json, bounds);
      return toNode(json).toJSON() as JSONContent;
    }
    case 'text': {
      // Each line is a paragraph: too many of them is refused before they are split out.
      checkNodeCount(countMatches(body, /\r\n?|\n/g), bounds);
      const lines = body.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n');
      return toNode({
        type: 'doc',
        content: lines.map((line) => (line === '' ? { type: 'paragraph' } : { type: 'paragraph', content: [{ type: 'text', text: line }] })),
      }).toJSON() as JSONContent;
    }
    default:
      return format satisfies never;
  }
}

/** How often `pattern` (global) occurs in `text`, without building an array of the matches. */
function countMatches(text: string, pattern: RegExp): number {
  let count = 0;
  for (const _ of text.matchAll(pattern)) count++;
  return count;
}

/**
 * The update that turns the stored document `current` into `target`, as an edit: unchanged
 * blocks are kept (y-tiptap's own diff, the one the editor uses), so connected editors keep their
 * carets and see only what changed. Empty when nothing changes.
 *
 * A current document holding types the schema lacks is refused ({@link MissingTypesError})
 * rather than edited: the diff would delete them, since a target read through the schema can
 * never hold them, and keeping them has no right place once the blocks around them are replaced.
 * A new document gets its format and schema record, as the editor writes them.
 */
export function replaceUpdate(current: Uint8Array | null, target: JSONContent): Uint8Array {
  const doc = new Y.Doc();
  try {
    if (current !== null) Y.applyUpdate(doc, current);
    const before = Y.encodeStateVector(doc);
    const fragment = doc.getXmlFragment(DOCUMENT_FIELD);
    const { schema } = tools();
    const missing = missingNames(contentNames(fragment), schema);
    if (missing.length > 0) throw new MissingTypesError(missing);
    doc.transact(() => {
      if (current === null) {
        writeDocumentFormat(doc, 'richtext');
        addToSchemaRecord(doc, { nodes: Object.keys(schema.nodes), marks: Object.keys(schema.marks) });
      }
      if (fragment.length === 0) prosemirrorJSONToYXmlFragment(schema, target, fragment);
      else updateYFragment(doc, fragment, toNode(target), { mapping: new Map(), isOMark: new Map() });
    });
    return Y.encodeStateAsUpdate(doc, before);
  } finally {
    doc.destroy();
  }
}

/** Checks that `update` is a Yjs update that applies; throws {@link ContentError} otherwise. */
export function checkYjsUpdate(update: Uint8Array): void {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, update);
  } catch (error) {
    throw new ContentError('the body is not a Yjs update', { cause: error });
  } finally {
    doc.destroy();
  }
}

/**
 * A stored document in `format`: the update itself for `yjs`, UTF-8 text otherwise. A plain-text
 * document exports its text as it is for `text` and `markdown` (it is the source), and as one
 * paragraph per line for `json` and `html`.
 */
export function exportDocument(stored: Uint8Array, format: DocumentFormat, bounds: ConversionBounds = UNBOUNDED): Uint8Array {
  if (format === 'yjs') return stored;
  const plain = plainTextOf(stored);
  if (plain === null) return Buffer.from(renderRichContent(richContentOf(stored, bounds), format), 'utf8');
  // The stored text is the document: only its conversion to blocks is bounded, not its length.
  return Buffer.from(
    format === 'text' || format === 'markdown' ? plain : renderJson(parseContent(plain, 'text', { ...bounds, maxBytes: Infinity }), format),
    'utf8',
  );
}

/** A new plain-text document holding `text`, with its format recorded. */
function newPlainText(text: string): Uint8Array {
  const doc = new Y.Doc();
  try {
    doc.transact(() => {
      writeDocumentFormat(doc, 'plaintext');
      doc.getText(PLAINTEXT_FIELD).insert(0, text);
    });
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

/**
 * The update that gives a plain-text document (stored as `current`, or new) the content `body`:
 * its source as it is for `text` and `markdown`, the Y.Text of a plain-text Yjs body.
 */
function plainTextUpdate(current: Uint8Array | null, body: Uint8Array, format: DocumentFormat, bounds: ConversionBounds): Uint8Array {
  let text: string;
  if (format === 'text' || format === 'markdown') {
    checkBodyBytes(body.byteLength, bounds);
    text = Buffer.from(body).toString('utf8');
  } else if (format === 'yjs') {
    checkYjsUpdate(body);
    const plain = plainTextOf(body);
    if (plain === null) throw new ContentError('the body is a rich-text document; a plain-text document takes a plain-text one');
    if (current === null) return body;
    text = plain;
  } else {
    throw new ContentError(`a plain-text document is written as text or markdown (its source), not ${format}`);
  }
  return current === null ? newPlainText(text) : replaceTextUpdate(current, text);
}

/**
 * The update that gives a document the content `body` (in `format`): a new document takes a Yjs
 * body as it is; anything else becomes an edit of `current` (see {@link replaceUpdate}). A
 * plain-text document (the stored one, or a new one when `kind` asks for it) has its Y.Text
 * edited instead. Throws {@link ContentError} for a body that is not valid in its format, or a
 * `kind` that is not the stored document's.
 */
export function documentUpdate(
  current: Uint8Array | null,
  body: Uint8Array,
  format: DocumentFormat,
  bounds: ConversionBounds = UNBOUNDED,
  kind: DocumentKind | null = null,
): Uint8Array {
  const stored = current === null ? null : plainTextOf(current) === null ? 'richtext' : 'plaintext';
  if (kind !== null && stored !== null && kind !== stored) throw new ContentError(`the document is ${stored}, not ${kind}`);
  if ((stored ?? kind) === 'plaintext') return plainTextUpdate(current, body, format, bounds);
  if (format !== 'yjs') return replaceUpdate(current, parseContent(Buffer.from(body).toString('utf8'), format, bounds));
  checkYjsUpdate(body);
  if (current === null) return body;
  const target = richContentOf(body, bounds);
  if (target.missing.length > 0) throw new MissingTypesError(target.missing);
  return replaceUpdate(current, target.json);
}
