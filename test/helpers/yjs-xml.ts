/**
 * Rich-text content built by hand through Yjs, as an editor (or a script) with any schema would
 * write it: elements with attributes and text runs with formatting.
 */
import * as Y from 'yjs';

/** `<name attrs>children</name>` */
export function element(name: string, attributes: Record<string, string>, children: (Y.XmlElement | Y.XmlText)[]): Y.XmlElement {
  const node = new Y.XmlElement(name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  node.insert(0, children);
  return node;
}

/** A text run of pieces, each with its formatting. */
export function text(...pieces: [string, Record<string, unknown>?][]): Y.XmlText {
  const run = new Y.XmlText();
  run.applyDelta(pieces.map(([insert, attributes]) => (attributes === undefined ? { insert } : { insert, attributes })));
  return run;
}
