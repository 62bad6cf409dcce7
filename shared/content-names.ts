/**
 * What a rich-text document actually holds, read from its Yjs XML without a ProseMirror schema:
 * the element (node) names, the text formatting (mark) names, and the attribute names of each.
 * A client compares them with its schema before binding an editor (y-prosemirror deletes, for
 * everyone, whatever its schema cannot hold); the server can name what a document needs.
 */
import * as Y from 'yjs';
import type { Schema } from '@tiptap/pm/model';

/** Names used by some content. Attributes are `type.attribute`, e.g. `heading.level`, `link.href`. */
export interface ContentNames {
  readonly nodes: Set<string>;
  readonly marks: Set<string>;
  readonly attributes: Set<string>;
}

/** A new, empty set of names. */
export function emptyNames(): ContentNames {
  return { nodes: new Set(), marks: new Set(), attributes: new Set() };
}

/**
 * y-prosemirror stores a mark that may overlap itself (e.g. a comment) under `name--<hash>`, so
 * that two of them can sit on the same text; the mark's name is what precedes the hash.
 */
const HASHED_MARK = /^(.*)--[a-zA-Z0-9+/=]{8}$/;

/** The mark name of a Y.XmlText formatting key. */
export function markNameOf(formattingKey: string): string {
  return HASHED_MARK.exec(formattingKey)?.[1] ?? formattingKey;
}

function addAttributes(owner: string, attributes: object, into: ContentNames): void {
  for (const key of Object.keys(attributes)) into.attributes.add(`${owner}.${key}`);
}

function addText(text: Y.XmlText, into: ContentNames): void {
  for (const op of text.toDelta() as { attributes?: Record<string, unknown> }[]) {
    for (const [key, value] of Object.entries(op.attributes ?? {})) {
      const mark = markNameOf(key);
      into.marks.add(mark);
      if (typeof value === 'object' && value !== null) addAttributes(mark, value, into);
    }
  }
}

/**
 * Adds the names used by `type` and everything beneath it to `into`, and returns `into`.
 * A fragment contributes no name of its own; an element its name and attribute names; a text
 * its formatting keys (as mark names) and their attribute names.
 */
export function addContentNames(type: Y.XmlFragment | Y.XmlElement | Y.XmlText, into: ContentNames = emptyNames()): ContentNames {
  if (type instanceof Y.XmlText) {
    addText(type, into);
    return into;
  }
  if (type instanceof Y.XmlElement) {
    into.nodes.add(type.nodeName);
    addAttributes(type.nodeName, type.getAttributes(), into);
  }
  for (const child of type.toArray()) {
    if (child instanceof Y.XmlText || child instanceof Y.XmlElement) addContentNames(child, into);
  }
  return into;
}

/**
 * Every name the content of `fragment` uses.
 * @example
 * contentNames(doc.getXmlFragment('default')).marks; // Set { 'bold', 'highlight' }
 */
export function contentNames(fragment: Y.XmlFragment): ContentNames {
  return addContentNames(fragment);
}

/** True when the name `type.attribute` names an attribute that `schema` defines on that type. */
function schemaHasAttribute(schema: Schema, qualified: string): boolean {
  const dot = qualified.lastIndexOf('.');
  const owner = qualified.slice(0, dot);
  const attribute = qualified.slice(dot + 1);
  const attrs = schema.nodes[owner]?.spec.attrs ?? schema.marks[owner]?.spec.attrs ?? {};
  return Object.hasOwn(attrs, attribute);
}

/**
 * The names in `used` that `schema` cannot hold, sorted: node and mark names, then attributes
 * (`type.attribute`) of the types it has. An attribute of a missing type is not listed twice.
 * @example
 * missingNames(contentNames(fragment), editor.schema); // ['callout', 'highlight']
 */
export function missingNames(used: ContentNames, schema: Schema): string[] {
  const types = [...[...used.nodes].filter((name) => schema.nodes[name] === undefined), ...[...used.marks].filter((name) => schema.marks[name] === undefined)];
  const missingType = new Set(types);
  const attributes = [...used.attributes].filter((name) => !missingType.has(name.slice(0, name.lastIndexOf('.'))) && !schemaHasAttribute(schema, name));
  return [...new Set(types)].sort().concat(attributes.sort());
}
