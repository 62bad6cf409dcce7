/**
 * A rich-text document shown as its text, read-only and live, for an editor that may not bind
 * it (its content uses types the editor's schema lacks): nothing is lost, and nothing is hidden.
 */
import { useCallback, useSyncExternalStore } from 'react';
import * as Y from 'yjs';

/** The text of an inline run: its text and the text of elements inside it. */
function inlineText(type: Y.XmlElement | Y.XmlText): string {
  if (type instanceof Y.XmlText) return (type.toDelta() as { insert?: unknown }[]).map((op) => (typeof op.insert === 'string' ? op.insert : '')).join('');
  return type
    .toArray()
    .map((child) => (child instanceof Y.XmlElement || child instanceof Y.XmlText ? inlineText(child) : ''))
    .join('');
}

/**
 * One string per text block of `type`, in document order: an element holding text is a block;
 * any other element is a container of blocks.
 */
export function textBlocks(type: Y.XmlFragment | Y.XmlElement, into: string[] = []): string[] {
  for (const child of type.toArray()) {
    if (child instanceof Y.XmlText) into.push(inlineText(child));
    else if (child instanceof Y.XmlElement) {
      if (child.toArray().some((grandchild) => grandchild instanceof Y.XmlText)) into.push(inlineText(child));
      else textBlocks(child, into);
    }
  }
  return into;
}

/** Props of {@link ReadOnlyText}. */
export interface ReadOnlyTextProps {
  fragment: Y.XmlFragment;
}

/** The text blocks of `fragment`, kept current as the document changes. */
export function ReadOnlyText({ fragment }: ReadOnlyTextProps) {
  const subscribe = useCallback(
    (listener: () => void) => {
      fragment.observeDeep(listener);
      return () => fragment.unobserveDeep(listener);
    },
    [fragment],
  );
  // A string, so that an unchanged document gives an equal snapshot.
  const blocks = useSyncExternalStore(subscribe, () => JSON.stringify(textBlocks(fragment)));
  return (
    <div className="tandem-editor__read-only">
      {(JSON.parse(blocks) as string[]).map((block, index) => (
        <p key={index}>{block}</p>
      ))}
    </div>
  );
}
