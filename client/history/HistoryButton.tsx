/** The button that opens and closes a {@link HistoryPanel}, and gets the focus back when the panel closes. */
import { useCallback, useRef, useState, type RefObject } from 'react';

/** Whether the history panel is open, and the button that toggles it. */
export interface HistoryToggle {
  readonly open: boolean;
  /** Opens or closes the panel. */
  toggle(): void;
  /** Closes the panel and gives the focus back to the button. */
  close(): void;
  readonly buttonRef: RefObject<HTMLButtonElement | null>;
}

/** State for a history button and its panel. */
export function useHistoryToggle(): HistoryToggle {
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const toggle = useCallback(() => setOpen((wasOpen) => !wasOpen), []);
  const close = useCallback(() => {
    setOpen(false);
    buttonRef.current?.focus();
  }, []);
  return { open, toggle, close, buttonRef };
}

/** Props of {@link HistoryButton}. */
export interface HistoryButtonProps {
  history: HistoryToggle;
  /** The id of the panel it controls. */
  panelId?: string | undefined;
  className?: string | undefined;
}

/**
 * "History", pressed while the panel is open.
 * @example
 * const history = useHistoryToggle();
 * <HistoryButton history={history} />
 * {history.open && <HistoryPanel {...target} doc={doc} onClose={history.close} />}
 */
export function HistoryButton({ history, panelId, className }: HistoryButtonProps) {
  return (
    <button
      type="button"
      ref={history.buttonRef}
      className={['tandem-history-button', className].filter(Boolean).join(' ')}
      aria-expanded={history.open}
      aria-controls={history.open ? panelId : undefined}
      onClick={history.toggle}
    >
      History
    </button>
  );
}
