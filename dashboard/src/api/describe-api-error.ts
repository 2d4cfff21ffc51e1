import { ApiError } from "./api-error";

/** core-server's messages start in lower case ("node not found"): make them a sentence. */
function asSentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/**
 * One readable sentence (or two) for a failed core-server call, fit to show a
 * person: never raw JSON, never a stack trace.
 */
export function describeApiError(error: unknown): string {
  if (!(error instanceof ApiError)) {
    return "Something went wrong in this page while talking to core-server. Reloading may help.";
  }
  const failure = error.failure;
  switch (failure.kind) {
    case "network":
      return "Could not reach core-server. Check that it is running and that this device can connect to it.";
    case "unreadable":
      return "core-server answered, but not with data this page understands. Is this page being served by core-server?";
    case "http": {
      if (failure.body === null) {
        return `core-server answered with an error (HTTP ${failure.status}) and no explanation.`;
      }
      const { message, code, details, request_id } = failure.body.error;
      const sentence = asSentence(message);
      const detailText =
        details && details.length > 0
          ? ` ${details.map((d) => `${d.field}: ${d.problem}`).join("; ")}.`
          : "";
      const reference = request_id ? `, request ${request_id}` : "";
      return `${sentence}${detailText} (HTTP ${failure.status}, ${code}${reference})`;
    }
  }
}
