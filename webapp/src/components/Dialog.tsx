import { useEffect, useId, useRef, type ReactNode } from "react";
import { useT } from "../i18n";

interface Props {
  title: string;
  open: boolean;
  onClose: () => void;
  children: ReactNode;
  /** Buttons at the bottom; the close button is always there. */
  footer?: ReactNode;
}

/**
 * A modal dialog on the native <dialog> element: the browser traps focus,
 * closes on Escape and makes the rest of the page inert.
 */
export function Dialog({ title, open, onClose, children, footer }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const t = useT();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      d.showModal();
      // The browser focuses the first control (the close button); a
      // dialog that knows better marks its starting point (a search box,
      // the safe choice of a confirmation).
      d.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    }
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onClose={onClose}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <div className="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="btn btn-ghost btn-icon" onClick={onClose} aria-label={t("common.close")}>
          ×
        </button>
      </div>
      <div className="dialog-body">{open && children}</div>
      {footer && <div className="dialog-foot">{footer}</div>}
    </dialog>
  );
}
