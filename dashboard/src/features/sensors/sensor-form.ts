import type { SensorKind } from "../../api/enums";
import type { components } from "../../api/schema";
import { keyProblem, nameProblem, rangeProblem } from "../../lib/form-checks";

type Sensor = components["schemas"]["Sensor"];
export type SensorUpdate = components["schemas"]["SensorUpdate"];
export type SensorDeclaration = components["schemas"]["SensorDeclaration"];

/** A sensor as typed: numbers stay text until sent. Key and kind are fixed once it exists. */
export interface SensorForm {
  key: string;
  name: string;
  kind: SensorKind;
  unit: string;
  interval_s: string;
  retention_days: string;
}

export const SENSOR_FORM_FIELDS = ["key", "name", "kind", "unit", "interval_s", "retention_days"] as const;

/** The server's defaults for a new sensor. */
export function emptySensorForm(): SensorForm {
  return { key: "", name: "", kind: "temperature", unit: "", interval_s: "60", retention_days: "30" };
}

export function sensorToForm(sensor: Sensor): SensorForm {
  return {
    key: sensor.key,
    name: sensor.name,
    kind: sensor.kind,
    unit: sensor.unit,
    interval_s: String(sensor.interval_s),
    retention_days: String(sensor.retention_days),
  };
}

/**
 * Problems visible before sending, by API field name. For a new sensor
 * (`takenKeys` given) the key is checked too, against the node's others.
 */
export function checkSensorForm(form: SensorForm, takenKeys?: readonly string[]): Record<string, string> {
  const problems: Record<string, string> = {};
  const put = (field: string, problem: string | null) => {
    if (problem) problems[field] = problem;
  };
  if (takenKeys) {
    const key = form.key.trim();
    put("key", keyProblem(key) ?? (takenKeys.includes(key) ? "is already used by another sensor of this node" : null));
  }
  put("name", nameProblem(form.name));
  put("unit", [...form.unit.trim()].length > 16 ? "must be at most 16 characters" : null);
  put("interval_s", rangeProblem(form.interval_s, 1, 86400, "seconds"));
  put("retention_days", rangeProblem(form.retention_days, 1, 3650, "days"));
  return problems;
}

/** The PATCH body: only what differs from `sensor` (call after checkSensorForm found nothing). */
export function toSensorUpdate(form: SensorForm, sensor: Sensor): SensorUpdate {
  const body: SensorUpdate = {};
  const name = form.name.trim();
  const unit = form.unit.trim();
  const interval = Number(form.interval_s.trim());
  const retention = Number(form.retention_days.trim());
  if (name !== sensor.name) body.name = name;
  if (unit !== sensor.unit) body.unit = unit;
  if (interval !== sensor.interval_s) body.interval_s = interval;
  if (retention !== sensor.retention_days) body.retention_days = retention;
  return body;
}

/** The POST /api/nodes/{id}/sensors body. */
export function toSensorDeclaration(form: SensorForm): SensorDeclaration {
  return {
    key: form.key.trim(),
    name: form.name.trim(),
    kind: form.kind,
    unit: form.unit.trim(),
    interval_s: Number(form.interval_s.trim()),
    retention_days: Number(form.retention_days.trim()),
  };
}
