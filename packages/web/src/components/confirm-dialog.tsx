import { type ReactNode, useEffect, useId, useRef } from "react";

/**
 * A modal confirmation: opens on mount, Escape or Cancel backs out, the danger button confirms.
 * @example <ConfirmDialog title="Revoke ci-bot?" confirmLabel="Revoke key" onCancel={close} onConfirm={revoke}>…</ConfirmDialog>
 */
export function ConfirmDialog({
  title,
  confirmLabel,
  onCancel,
  onConfirm,
  busy = false,
  children,
}: {
  readonly title: ReactNode;
  readonly confirmLabel: string;
  readonly onCancel: () => void;
  readonly onConfirm: () => void;
  readonly busy?: boolean;
  readonly children: ReactNode;
}): ReactNode {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
      <div className="actions">
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button danger" onClick={onConfirm} disabled={busy}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
