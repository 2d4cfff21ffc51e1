import { useRef, useState } from "react";

/**
 * Puts `text` on the clipboard. navigator.clipboard exists only in secure
 * contexts (https, localhost); the dashboard is often opened over plain http on
 * the farm's network, so fall back to selecting the text and the old copy
 * command.
 */
async function copyText(text: string, fallback: HTMLInputElement | null): Promise<boolean> {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // fall through to the selection
    }
  }
  if (!fallback) return false;
  fallback.focus();
  fallback.select();
  // Deprecated, but the only way to copy outside a secure context.
  return document.execCommand("copy");
}

interface CopySecretProps {
  label: string;
  secret: string;
  /** Why it matters: "Shown only now: it cannot be displayed again." */
  note: string;
  onDone?: () => void;
}

/** A secret shown once, with a copy button. */
export function CopySecret({ label, secret, note, onDone }: CopySecretProps) {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  return (
    <div className="secret" role="region" aria-label={label}>
      <p className="secret__label">
        <strong>{label}</strong> {note}
      </p>
      <div className="secret__row">
        <input
          ref={input}
          className="secret__value"
          readOnly
          value={secret}
          aria-label={label}
          onFocus={(e) => e.currentTarget.select()}
          data-secret=""
        />
        <button
          type="button"
          className="button button--primary"
          onClick={() => void copyText(secret, input.current).then((ok) => setCopied(ok ? "yes" : "no"))}
        >
          {copied === "yes" ? "Copied" : "Copy"}
        </button>
      </div>
      {copied === "no" && <p className="field__hint">Copying is blocked here: select the text and copy it by hand.</p>}
      {onDone && (
        <button type="button" className="button" onClick={onDone}>
          Done
        </button>
      )}
    </div>
  );
}
