import type { Capability } from "../../api/enums";
import type { components } from "../../api/schema";

export type ApiToken = components["schemas"]["ApiToken"];
export type ApiTokenCreate = components["schemas"]["ApiTokenCreate"];

export interface TokenForm {
  name: string;
  capabilities: Capability[];
  /** A date (yyyy-mm-dd) from a date input, or "" for a token that does not expire. */
  expiresOn: string;
}

export const TOKEN_FORM_FIELDS = ["name", "capabilities", "expires_at"] as const;

/** The end of a calendar day in this browser's time zone: a token "valid until 31 March" works all that day. */
export function endOfDay(date: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return null;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const end = new Date(y, m - 1, d, 23, 59, 59, 999);
  // Reject 2026-02-31 and the like, which Date would roll over.
  return end.getFullYear() === y && end.getMonth() === m - 1 && end.getDate() === d ? end : null;
}

/** Problems visible before sending, by API field name (empty when none). */
export function checkTokenForm(form: TokenForm, mine: readonly Capability[], nowMs: number): Record<string, string> {
  const problems: Record<string, string> = {};
  const name = form.name.trim();
  if (name === "") problems.name = "is required";
  else if ([...name].length > 64) problems.name = "must be at most 64 characters";
  if (form.capabilities.length === 0) problems.capabilities = "choose at least one permission";
  else if (form.capabilities.some((c) => !mine.includes(c))) {
    problems.capabilities = "a token can only carry permissions you have yourself";
  }
  if (form.expiresOn !== "") {
    const end = endOfDay(form.expiresOn);
    if (!end) problems.expires_at = "is not a date";
    else if (end.getTime() <= nowMs) problems.expires_at = "must be in the future";
  }
  return problems;
}

export function toApiTokenCreate(form: TokenForm): ApiTokenCreate {
  const end = form.expiresOn === "" ? null : endOfDay(form.expiresOn);
  return {
    name: form.name.trim(),
    // Sorted, as the API lists them, so the same choice always reads the same.
    capabilities: [...form.capabilities].sort(),
    expires_at: end ? end.toISOString() : null,
  };
}

export type TokenStatus = "active" | "revoked" | "expired";

export function tokenStatus(token: Pick<ApiToken, "revoked_at" | "expires_at">, nowMs: number): TokenStatus {
  if (token.revoked_at) return "revoked";
  if (token.expires_at && Date.parse(token.expires_at) <= nowMs) return "expired";
  return "active";
}
