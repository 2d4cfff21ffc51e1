import { useState } from "react";

interface ConfirmButtonProps {
  /** The button's text: "Retire". */
  label: string;
  /** What happens, asked before doing it: "Retire Greenhouse? Its token stops working." */
  question: string;
  /** The confirming button's text: "Yes, retire". */
  confirmLabel: string;
  onConfirm: () => void;
  busy?: boolean;
  disabled?: boolean;
  /** Why it is disabled, shown on hover. */
  disabledReason?: string;
  /** The small button, for a row of small actions. */
  small?: boolean;
}

/** A destructive action that asks once, in place, before it runs. */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  onConfirm,
  busy = false,
  disabled = false,
  disabledReason,
  small = false,
}: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  if (asking && !disabled) {
    return (
      <div className="confirm" role="group" aria-label={label}>
        <p className="confirm__question">{question}</p>
        <div className="confirm__actions">
          <button
            type="button"
            className="button button--danger"
            disabled={busy}
            onClick={() => {
              onConfirm();
              setAsking(false);
            }}
          >
            {confirmLabel}
          </button>
          <button type="button" className="button" onClick={() => setAsking(false)}>
            Cancel
          </button>
        </div>
      </div>
    );
  }
  return (
    <button
      type="button"
      className={small ? "button button--small button--danger-outline" : "button button--danger-outline"}
      disabled={disabled || busy}
      title={disabled ? disabledReason : undefined}
      onClick={() => setAsking(true)}
    >
      {busy ? `${label}…` : label}
    </button>
  );
}
