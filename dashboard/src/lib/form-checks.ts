/**
 * Checks shared by forms that send names, keys and whole numbers, worded as
 * core-server words its 422s so a problem reads the same whichever side found it.
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const KEY = /^[a-z0-9_]{1,32}$/;

/** The number in `text` when it is a whole number (spaces around allowed), else null. */
export function wholeNumber(text: string): number | null {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : null;
}

/** A name as core-server takes it: 1 to 64 characters without control characters. */
export function nameProblem(text: string): string | null {
  const name = text.trim();
  if (name === "") return "is required";
  if ([...name].length > 64 || CONTROL.test(name)) return "must be 1 to 64 characters without control characters";
  return null;
}

/** A sensor's or output's key: how the node names it. */
export function keyProblem(text: string): string | null {
  return KEY.test(text.trim()) ? null : "must be 1 to 32 characters of a-z, 0-9 and '_'";
}

/** A whole number from `low` to `high`; `what` names the unit ("seconds"). Empty text is a problem too. */
export function rangeProblem(text: string, low: number, high: number, what: string): string | null {
  const n = wholeNumber(text);
  return n === null || n < low || n > high ? `must be a whole number of ${what} from ${low} to ${high}` : null;
}
