import { useId, type ReactNode } from "react";

/** What a Field hands to its control so label, hint and problem are tied to it. */
export interface ControlProps {
  id: string;
  "aria-invalid": boolean;
  "aria-describedby": string | undefined;
}

interface FieldProps {
  label: string;
  /** The problem to show under the control (from a check here or the server's 422). */
  error?: string | undefined;
  hint?: string;
  children: (control: ControlProps) => ReactNode;
}

/** A labelled form control with its hint and its problem, if any. */
export function Field({ label, error, hint, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(" ") || undefined;
  return (
    <div className={error ? "field field--invalid" : "field"}>
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      {children({ id, "aria-invalid": Boolean(error), "aria-describedby": describedBy })}
      {error && (
        <p className="field__error" id={errorId}>
          {error}
        </p>
      )}
      {hint && (
        <p className="field__hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}

/** A form's summary line above the fields (a failed submission in words). */
export function FormSummary({ text }: { text: string | null }) {
  if (!text) return null;
  return (
    <div className="alert alert--error" role="alert">
      <p>{text}</p>
    </div>
  );
}
