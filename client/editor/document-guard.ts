/**
 * Whether an editor may bind a session's document, and why not. Two things decide:
 *
 * - the document's recorded format (shared/document-format.ts): a plain-text editor never binds
 *   rich text and the other way round; a document nobody has claimed is claimed by the first
 *   editor that finds it empty once synced with the server;
 * - for rich text, the editor's schema against the document's schema record *and* the names its
 *   content uses (shared/content-names.ts). y-prosemirror deletes, for everyone, any node or mark
 *   its schema cannot hold, the moment it renders it; an editor that lacks a type the document
 *   has is never bound.
 *
 * The check keeps running, and it runs before Yjs calls any observer of a transaction
 * (`beforeObserverCalls`), so that content arriving after an editor bound reaches the guard
 * before it reaches y-prosemirror's observer: {@link guardSyncPlugin} unbinds first.
 */
import type { Schema } from '@tiptap/pm/model';
import type { Plugin, PluginView } from '@tiptap/pm/state';
import { ySyncPluginKey } from '@tiptap/y-tiptap';
import * as Y from 'yjs';
import { contentNames, emptyNames, markNameOf, missingNames, type ContentNames } from '../../shared/content-names.js';
import {
  addToSchemaRecord,
  META_MAP,
  readDocumentFormat,
  readSchemaRecord,
  RICHTEXT_FIELD,
  writeDocumentFormat,
  type DocumentFormat,
  type SchemaRecord,
} from '../../shared/document-format.js';
import type { DocumentSession } from '../session/session.js';

/** The outcome of the check: wait, bind, or explain. */
export type DocumentCheck =
  /** Not synced yet and nothing recorded: the format is not known. */
  | { readonly kind: 'pending' }
  /** The document is in the wanted format and holds nothing the editor cannot. */
  | { readonly kind: 'ok'; readonly format: DocumentFormat }
  /** The document is in another format: show a message, never bind. */
  | { readonly kind: 'mismatch'; readonly wanted: DocumentFormat; readonly actual: DocumentFormat }
  /**
   * The document (its content or its schema record) uses types the editor's schema lacks:
   * `missing` names them (nodes and marks, then `type.attribute`). Never bind an editable view.
   */
  | { readonly kind: 'unsupported'; readonly format: DocumentFormat; readonly missing: readonly string[] };

/** What an editor expects of the document it binds. */
export interface DocumentExpectation {
  format: DocumentFormat;
  /** The rich-text editor's schema; without one only the format is checked. */
  schema?: Schema | null | undefined;
  /** The app's schema version, recorded with the schema when this editor claims a document. */
  schemaVersion?: string | undefined;
}

/** The parts of a session the guard reads. */
export type GuardedSession = Pick<DocumentSession, 'doc' | 'synced' | 'status' | 'readOnly' | 'onStatus'>;

/** The origin of the guard's own writes (the format claim and the schema record). */
const GUARD_ORIGIN = { guard: 'tandem-document' } as const;

const PENDING: DocumentCheck = { kind: 'pending' };

/** Adds the record's names to content names, for one comparison with a schema. */
function withRecord(used: ContentNames, record: SchemaRecord | null): ContentNames {
  if (record === null) return used;
  return { nodes: new Set([...used.nodes, ...record.nodes]), marks: new Set([...used.marks, ...record.marks]), attributes: used.attributes };
}

/** Every node and mark name of `schema`. */
function schemaNames(schema: Schema): { nodes: string[]; marks: string[] } {
  return { nodes: Object.keys(schema.nodes), marks: Object.keys(schema.marks) };
}

/**
 * The check now, given the names the content uses. A session may claim an unclaimed document
 * (once it has synced, or is known to be offline) and add to its schema record; a bare Y.Doc
 * is only checked, and an unclaimed one is fine.
 */
function evaluate(target: GuardedSession | Y.Doc, expectation: DocumentExpectation, used: ContentNames): DocumentCheck {
  const session = target instanceof Y.Doc ? null : target;
  const doc = session?.doc ?? (target as Y.Doc);
  const { format: wanted, schema } = expectation;
  const rich = wanted === 'richtext' && schema != null;
  const actual = readDocumentFormat(doc);
  if (actual === null) {
    if (session === null) return { kind: 'ok', format: wanted };
    if (!session.synced && session.status.kind !== 'offline') return PENDING;
    writeDocumentFormat(doc, wanted, GUARD_ORIGIN);
    if (rich) addToSchemaRecord(doc, { ...schemaNames(schema), version: expectation.schemaVersion }, GUARD_ORIGIN);
    return { kind: 'ok', format: wanted };
  }
  if (actual !== wanted) return { kind: 'mismatch', wanted, actual };
  if (!rich) return { kind: 'ok', format: actual };
  const record = readSchemaRecord(doc);
  const missing = missingNames(withRecord(used, record), schema);
  if (missing.length > 0) return { kind: 'unsupported', format: actual, missing };
  // What the content uses, this editor has: the record learns it (never forgets anything).
  if (session !== null && !session.readOnly) {
    const version = record?.version == null ? expectation.schemaVersion : undefined;
    addToSchemaRecord(doc, { nodes: used.nodes, marks: used.marks, version }, GUARD_ORIGIN);
  }
  return { kind: 'ok', format: actual };
}

/**
 * The check for `expectation` now, walking the whole content once.
 * @example
 * const check = checkDocument(session, { format: 'richtext', schema: editor.schema });
 */
export function checkDocument(target: GuardedSession | Y.Doc, expectation: DocumentExpectation): DocumentCheck {
  const doc = target instanceof Y.Doc ? target : target.doc;
  const used = expectation.schema == null || expectation.format !== 'richtext' ? emptyNames() : contentNames(doc.getXmlFragment(RICHTEXT_FIELD));
  return evaluate(target, expectation, used);
}

/**
 * Adds the names that `transaction` brought into `fragment` to `used`, from the items it created
 * and nothing else: in Yjs an element is an item holding a type, an element's attribute an item
 * keyed by the attribute's name, and formatting an item holding the key and the mark's
 * attributes. A keystroke costs one item, not a walk of its paragraph.
 */
function addChangedNames(transaction: Y.Transaction, fragment: Y.XmlFragment, used: ContentNames): void {
  const { afterState, beforeState, doc } = transaction;
  for (const [client, after] of afterState) {
    const before = beforeState.get(client) ?? 0;
    const structs = doc.store.clients.get(client);
    if (after <= before || structs === undefined) continue;
    for (let index = Y.findIndexSS(structs, before); index < structs.length; index++) {
      const item = structs[index];
      if (!(item instanceof Y.Item) || item.deleted || !Y.isParentOf(fragment, item)) continue;
      const { content, parent, parentSub } = item;
      if (content instanceof Y.ContentType && content.type instanceof Y.XmlElement) used.nodes.add(content.type.nodeName);
      else if (content instanceof Y.ContentFormat && content.value !== null) {
        const mark = markNameOf(content.key);
        used.marks.add(mark);
        if (typeof content.value === 'object') for (const key of Object.keys(content.value as object)) used.attributes.add(`${mark}.${key}`);
      }
      if (parentSub !== null && parent instanceof Y.XmlElement) used.attributes.add(`${parent.nodeName}.${parentSub}`);
    }
  }
}

const sameCheck = (a: DocumentCheck, b: DocumentCheck): boolean => {
  switch (a.kind) {
    case 'pending':
      return b.kind === 'pending';
    case 'ok':
      return b.kind === 'ok' && a.format === b.format;
    case 'mismatch':
      return b.kind === 'mismatch' && a.actual === b.actual;
    case 'unsupported':
      return b.kind === 'unsupported' && a.missing.join() === b.missing.join();
  }
};

/** A running check, see {@link watchDocument}. */
export interface DocumentWatch {
  /** The latest check; the same object until the outcome changes. */
  current(): DocumentCheck;
  /**
   * Calls `listener` when the outcome changes. A change that content brought is told before
   * any observer of that transaction runs.
   */
  subscribe(listener: () => void): () => void;
  /** Stops watching. */
  stop(): void;
}

/**
 * Checks `expectation` now and again on every transaction and status change of `target` (a
 * session, or a bare Y.Doc that is only checked, never claimed or recorded).
 * @example
 * const watch = watchDocument(session, { format: 'richtext', schema });
 * watch.subscribe(() => console.log(watch.current()));
 */
export function watchDocument(target: GuardedSession | Y.Doc, expectation: DocumentExpectation): DocumentWatch {
  const doc = target instanceof Y.Doc ? target : target.doc;
  const fragment = expectation.format === 'richtext' && expectation.schema != null ? doc.getXmlFragment(RICHTEXT_FIELD) : null;
  const used = fragment === null ? emptyNames() : contentNames(fragment);
  const listeners = new Set<() => void>();
  let current = evaluate(target, expectation, used);
  const recheck = (): void => {
    const next = evaluate(target, expectation, used);
    if (sameCheck(current, next)) return;
    current = next;
    for (const listener of [...listeners]) listener();
  };
  const meta = doc.getMap(META_MAP);
  const beforeObservers = (transaction: Y.Transaction): void => {
    // The editor's own edits hold only types of its own schema.
    if (transaction.origin === ySyncPluginKey && current.kind === 'ok') return;
    const known = used.nodes.size + used.marks.size + used.attributes.size;
    if (fragment !== null) addChangedNames(transaction, fragment, used);
    const learned = used.nodes.size + used.marks.size + used.attributes.size > known;
    // Only a new name or a change of the record or format can change a rich-text outcome; an
    // unclaimed document may be claimed by any transaction.
    const changed = transaction.changed as Map<object, unknown>;
    if (learned || changed.has(meta) || current.kind === 'pending' || fragment === null) recheck();
  };
  doc.on('beforeObserverCalls', beforeObservers);
  const stopStatus = target instanceof Y.Doc ? () => undefined : target.onStatus(recheck);
  return {
    current: () => current,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      doc.off('beforeObserverCalls', beforeObservers);
      stopStatus();
      listeners.clear();
    },
  };
}

/**
 * Makes y-prosemirror's sync plugin bind only while `guard` says `ok`, and unbind the moment
 * it says anything else: before the transaction that brought an unknown type reaches the
 * plugin's observer, which would delete it. An unbound view is not editable and writes nothing
 * back to the document; it keeps showing what it showed.
 */
export function guardSyncPlugin(plugin: Plugin, guard: Pick<DocumentWatch, 'current' | 'subscribe'>): Plugin {
  const bind = plugin.spec.view;
  if (plugin.spec.key !== ySyncPluginKey || bind === undefined) throw new Error('guardSyncPlugin takes the ySyncPlugin');
  // The view asks whether it is editable before its plugin views exist: `before` binding.
  let phase: 'before' | 'bound' | 'unbound' = 'before';
  const editable = plugin.props.editable;
  plugin.props.editable = function (this: Plugin, state) {
    const allowed = phase === 'bound' || (phase === 'before' && guard.current().kind === 'ok');
    return allowed && (editable?.call(this, state) ?? true);
  };
  plugin.spec.view = (view): PluginView => {
    if (guard.current().kind !== 'ok') {
      phase = 'unbound';
      return {};
    }
    const inner = bind(view);
    phase = 'bound';
    const unbind = (): void => {
      if (phase !== 'bound') return;
      phase = 'unbound';
      stop();
      inner.destroy?.();
    };
    const stop = guard.subscribe(() => {
      if (guard.current().kind === 'ok' || phase !== 'bound') return;
      unbind();
      view.setProps({});
    });
    return {
      update: (updated, previous) => {
        if (phase === 'bound') inner.update?.(updated, previous);
      },
      destroy: unbind,
    };
  };
  return plugin;
}

/** The format's name in a sentence. */
export function formatLabel(format: DocumentFormat): string {
  return format === 'plaintext' ? 'plain text' : 'rich text';
}

/** `a`, `a and b`, `a, b and c`. */
const listed = (names: readonly string[]): string => (names.length < 2 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);

/**
 * What the writer reads instead of an editor when the check is `mismatch` or `unsupported`.
 * @example
 * if (check.kind === 'unsupported') show(checkMessage(check));
 * // "This document uses callout and highlight, which this editor doesn't support. …"
 */
export function checkMessage(check: Extract<DocumentCheck, { kind: 'mismatch' | 'unsupported' }>): string {
  if (check.kind === 'unsupported') {
    return `This document uses ${listed(check.missing)}, which this editor doesn't support: it was written by a newer or different editor. Opened read-only so nothing is lost.`;
  }
  return `This document is ${formatLabel(check.actual)}, so it cannot be opened in a ${formatLabel(check.wanted)} editor. Open it as ${formatLabel(check.actual)} instead.`;
}
