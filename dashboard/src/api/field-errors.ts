import { ApiError } from "./api-error";
import { describeApiError } from "./describe-api-error";

/**
 * A failed form submission split for display: the problems the server named
 * for fields the form shows (to print next to those fields), and a sentence for
 * everything else (null when there is nothing else to say).
 */
export interface FormErrors {
  byField: Record<string, string>;
  summary: string | null;
}

export const NO_FORM_ERRORS: FormErrors = { byField: {}, summary: null };

/**
 * Splits `error` for a form showing `fields` (API field names such as
 * `username` or `sensors[0].key`). Only a 422's details are placed beside
 * fields; any other failure, and details naming fields the form does not show,
 * go into the summary so nothing the server said is lost.
 */
export function formErrors(error: unknown, fields: readonly string[]): FormErrors {
  if (error === null || error === undefined) return NO_FORM_ERRORS;
  if (!(error instanceof ApiError) || error.failure.kind !== "http" || error.failure.status !== 422) {
    return { byField: {}, summary: describeApiError(error) };
  }
  const details = error.failure.body?.error.details ?? [];
  const shown = new Set(fields);
  const byField: Record<string, string> = {};
  const elsewhere: string[] = [];
  for (const { field, problem } of details) {
    if (shown.has(field)) {
      byField[field] = byField[field] ? `${byField[field]}; ${problem}` : problem;
    } else {
      elsewhere.push(`${field}: ${problem}`);
    }
  }
  if (details.length === 0) return { byField, summary: describeApiError(error) };
  if (elsewhere.length > 0) return { byField, summary: `Please correct: ${elsewhere.join("; ")}.` };
  return { byField, summary: "Please correct the fields marked below." };
}

/** Merges problems found before sending (client-side checks) with the server's. */
export function withLocalProblems(local: Record<string, string>, server: FormErrors): FormErrors {
  return { byField: { ...server.byField, ...local }, summary: server.summary };
}
