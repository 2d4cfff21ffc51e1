import type { OutputKind } from "../../api/enums";
import type { components } from "../../api/schema";
import { keyProblem, nameProblem, wholeNumber } from "../../lib/form-checks";

type Output = components["schemas"]["Output"];
export type OutputUpdate = components["schemas"]["OutputUpdate"];
export type OutputDeclaration = components["schemas"]["OutputDeclaration"];

/** An output as typed; key and kind are fixed once it exists. */
export interface OutputForm {
  key: string;
  name: string;
  kind: OutputKind;
  default_state: string;
}

export const OUTPUT_FORM_FIELDS = ["key", "name", "kind", "default_state"] as const;

export function emptyOutputForm(): OutputForm {
  return { key: "", name: "", kind: "relay", default_state: "0" };
}

export function outputToForm(output: Output): OutputForm {
  return { key: output.key, name: output.name, kind: output.kind, default_state: String(output.default_state) };
}

/** How the default state is asked for: "0 off, 1 on" or "0–100 %". */
export function defaultStateHint(kind: OutputKind): string {
  return kind === "relay" ? "0 off, 1 on" : "0–100 %";
}

/** Problems visible before sending, by API field name; `takenKeys` only for a new output. */
export function checkOutputForm(form: OutputForm, takenKeys?: readonly string[]): Record<string, string> {
  const problems: Record<string, string> = {};
  const put = (field: string, problem: string | null) => {
    if (problem) problems[field] = problem;
  };
  if (takenKeys) {
    const key = form.key.trim();
    put("key", keyProblem(key) ?? (takenKeys.includes(key) ? "is already used by another output of this node" : null));
  }
  put("name", nameProblem(form.name));
  const state = wholeNumber(form.default_state);
  if (form.kind === "relay" && (state === null || state > 1)) put("default_state", "must be 0 (off) or 1 (on)");
  if (form.kind === "level" && (state === null || state > 100)) {
    put("default_state", "must be a whole number of percent from 0 to 100");
  }
  return problems;
}

/** The PATCH body: only what differs from `output`. */
export function toOutputUpdate(form: OutputForm, output: Output): OutputUpdate {
  const body: OutputUpdate = {};
  const name = form.name.trim();
  const state = Number(form.default_state.trim());
  if (name !== output.name) body.name = name;
  if (state !== output.default_state) body.default_state = state;
  return body;
}

/** The POST /api/nodes/{id}/outputs body. */
export function toOutputDeclaration(form: OutputForm): OutputDeclaration {
  return {
    key: form.key.trim(),
    name: form.name.trim(),
    kind: form.kind,
    default_state: Number(form.default_state.trim()),
  };
}
