import { describeApiError } from "../api/describe-api-error";

interface ErrorMessageProps {
  error: unknown;
  /** Shows a "Try again" button. */
  onRetry?: () => void;
  retrying?: boolean;
}

/** A failed call in words (never raw JSON), with an optional retry. */
export function ErrorMessage({ error, onRetry, retrying = false }: ErrorMessageProps) {
  return (
    <div className="alert alert--error" role="alert">
      <p>{describeApiError(error)}</p>
      {onRetry && (
        <button type="button" className="button" onClick={onRetry} disabled={retrying}>
          {retrying ? "Retrying…" : "Try again"}
        </button>
      )}
    </div>
  );
}
