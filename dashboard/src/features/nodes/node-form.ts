import type { OutputKind, SensorKind } from "../../api/enums";
import type { components } from "../../api/schema";

export type NodeCreate = components["schemas"]["NodeCreate"];

/** The register form as typed: numbers stay text until sent, so a half-typed field is not lost. */
export interface SensorRow {
  key: string;
  name: string;
  kind: SensorKind;
  unit: string;
  interval_s: string;
}

export interface OutputRow {
  key: string;
  name: string;
  kind: OutputKind;
  default_state: string;
}

export interface NodeForm {
  name: string;
  mac: string;
  model: string;
  heartbeat_interval_s: string;
  sensors: SensorRow[];
  outputs: OutputRow[];
}

export function emptyNodeForm(): NodeForm {
  return { name: "", mac: "", model: "", heartbeat_interval_s: "", sensors: [], outputs: [] };
}

export function emptySensorRow(): SensorRow {
  return { key: "", name: "", kind: "temperature", unit: "", interval_s: "" };
}

export function emptyOutputRow(): OutputRow {
  return { key: "", name: "", kind: "relay", default_state: "0" };
}

/** The API's field names this form shows, for placing a 422's details. */
export function nodeFormFields(form: NodeForm): string[] {
  return [
    "name",
    "mac",
    "model",
    "heartbeat_interval_s",
    ...form.sensors.flatMap((_, i) => ["key", "name", "kind", "unit", "interval_s"].map((f) => `sensors[${i}].${f}`)),
    ...form.outputs.flatMap((_, i) => ["key", "name", "kind", "default_state"].map((f) => `outputs[${i}].${f}`)),
  ];
}

/** As documented for SensorDeclaration.key; outputs use the same rule. */
const KEY = /^[a-z0-9_]{1,32}$/;
const MAC = /^(?:[0-9a-fA-F]{2}([:-]))(?:[0-9a-fA-F]{2}\1){4}[0-9a-fA-F]{2}$|^[0-9a-fA-F]{12}$/;

function wholeNumber(text: string): number | null {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : null;
}

function checkRange(text: string, low: number, high: number, what: string): string | null {
  if (text.trim() === "") return null;
  const n = wholeNumber(text);
  return n === null || n < low || n > high ? `must be a whole number of ${what} from ${low} to ${high}` : null;
}

/**
 * Problems visible before sending, by API field name (empty when none). The
 * server checks everything again; these spare a round trip for the obvious.
 */
export function checkNodeForm(form: NodeForm): Record<string, string> {
  const problems: Record<string, string> = {};
  const put = (field: string, problem: string | null) => {
    if (problem && !problems[field]) problems[field] = problem;
  };
  put("name", form.name.trim() === "" ? "is required" : null);
  put("mac", MAC.test(form.mac.trim()) ? null : "must be a MAC address such as b8:27:eb:12:34:56");
  put("heartbeat_interval_s", checkRange(form.heartbeat_interval_s, 5, 3600, "seconds"));

  const checkKeys = (rows: readonly { key: string }[], prefix: "sensors" | "outputs") => {
    const seen = new Set<string>();
    rows.forEach((row, i) => {
      const key = row.key.trim();
      if (!KEY.test(key)) put(`${prefix}[${i}].key`, "must be 1 to 32 characters of a-z, 0-9 and '_'");
      else if (seen.has(key)) put(`${prefix}[${i}].key`, "is used twice on this node");
      seen.add(key);
    });
  };
  checkKeys(form.sensors, "sensors");
  checkKeys(form.outputs, "outputs");

  form.sensors.forEach((row, i) => {
    put(`sensors[${i}].name`, row.name.trim() === "" ? "is required" : null);
    put(`sensors[${i}].interval_s`, checkRange(row.interval_s, 1, 86400, "seconds"));
  });
  form.outputs.forEach((row, i) => {
    put(`outputs[${i}].name`, row.name.trim() === "" ? "is required" : null);
    const state = wholeNumber(row.default_state);
    const high = row.kind === "relay" ? 1 : 100;
    if (state === null || state > high) {
      put(
        `outputs[${i}].default_state`,
        row.kind === "relay" ? "must be 0 (off) or 1 (on)" : "must be a whole number of percent from 0 to 100",
      );
    }
  });
  return problems;
}

function optionalNumber(text: string): number | null {
  return text.trim() === "" ? null : Number(text.trim());
}

/** The request body for POST /api/nodes (call after checkNodeForm found nothing). */
export function toNodeCreate(form: NodeForm): NodeCreate {
  return {
    name: form.name.trim(),
    mac: form.mac.trim(),
    model: form.model.trim() === "" ? null : form.model.trim(),
    heartbeat_interval_s: optionalNumber(form.heartbeat_interval_s),
    sensors: form.sensors.map((s) => ({
      key: s.key.trim(),
      name: s.name.trim(),
      kind: s.kind,
      unit: s.unit.trim(),
      interval_s: optionalNumber(s.interval_s),
    })),
    outputs: form.outputs.map((o) => ({
      key: o.key.trim(),
      name: o.name.trim(),
      kind: o.kind,
      default_state: Number(o.default_state.trim()),
    })),
  };
}
