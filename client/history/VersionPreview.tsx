/** A version, read-only, with what changed since then marked: added text in `<ins>`, removed in `<del>`. */
import { useEffect, useMemo, useState } from 'react';
import type * as Y from 'yjs';
import { diffBlocks, documentBlocks, hasChanges, type DiffBlock } from './version-diff.js';

/** Props of {@link VersionPreview}. */
export interface VersionPreviewProps {
  /** The version's text blocks (see `stateBlocks`). */
  blocks: readonly string[];
  /** The live document: the comparison follows its edits. */
  doc: Y.Doc;
  /** The version's name, for screen readers. */
  title: string;
}

/**
 * The current document's blocks, read again after it changes: at most once per frame, so a
 * burst of remote edits (or fast typing) costs one comparison, not one per update.
 */
function useDocumentBlocks(doc: Y.Doc): string[] {
  const [blocks, setBlocks] = useState(() => documentBlocks(doc));
  useEffect(() => {
    let frame: number | null = null;
    const read = (): void => {
      frame = null;
      setBlocks(documentBlocks(doc));
    };
    const schedule = (): void => {
      frame ??= requestAnimationFrame(read);
    };
    read();
    doc.on('update', schedule);
    return () => {
      doc.off('update', schedule);
      if (frame !== null) cancelAnimationFrame(frame);
    };
  }, [doc]);
  return blocks;
}

/** One block of the comparison; the marks carry their meaning in words for screen readers. */
function PreviewBlock({ block }: { block: DiffBlock }) {
  return (
    <p className="tandem-history__block" data-change={block.change}>
      {block.parts.map((part, index) =>
        part.change === 'added' ? (
          <ins key={index} className="tandem-history__added" title="Added since this version">
            {part.text}
          </ins>
        ) : part.change === 'removed' ? (
          <del key={index} className="tandem-history__removed" title="Removed since this version">
            {part.text}
          </del>
        ) : (
          <span key={index}>{part.text}</span>
        ),
      )}
      {block.parts.every((part) => part.text === '') && <br />}
    </p>
  );
}

/** The version compared with the live document. */
export function VersionPreview({ blocks, doc, title }: VersionPreviewProps) {
  const current = useDocumentBlocks(doc);
  const diff = useMemo(() => diffBlocks(blocks, current), [blocks, current]);
  return (
    <section className="tandem-history__preview" aria-label={`Preview of ${title}`}>
      <p className="tandem-history__legend">
        {hasChanges(diff) ? (
          <>
            Since this version: <ins className="tandem-history__added">added</ins> <del className="tandem-history__removed">removed</del>
          </>
        ) : (
          'No changes since this version.'
        )}
      </p>
      <div className="tandem-history__text">
        {diff.map((block, index) => (
          <PreviewBlock key={index} block={block} />
        ))}
      </div>
    </section>
  );
}
