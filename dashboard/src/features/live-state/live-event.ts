import type { components } from "../../api/schema";

type Schemas = components["schemas"];
export type DashboardState = Schemas["DashboardState"];
export type Node = Schemas["Node"];
export type Output = Schemas["Output"];
export type OutputState = Schemas["OutputState"];
export type SensorState = Schemas["SensorState"];
export type Command = Schemas["Command"];
export type Sensor = Schemas["Sensor"];
type Manifest = Schemas["Manifest"];
export type Alarm = Schemas["Alarm"];

/**
 * What an `output` or `sensor` event carries: the resource as its GET returns
 * it, or, once it was removed, the resource as it was plus `removed_at`. The
 * OpenAPI document does not describe event payloads; the server's
 * engine/events.rs does.
 */
export type MaybeRemoved<T> = T & { removed_at?: Schemas["Timestamp"] };

/**
 * A `reading` event: a sensor's newest value. The OpenAPI document does not
 * describe event payloads, so this one is assembled from the Sensor schema;
 * `node` and `command` events carry the Node and Command schemas as they are.
 */
export interface Reading {
  sensor_id: Sensor["id"];
  ts: NonNullable<Sensor["last_ts"]>;
  value: NonNullable<Sensor["last_value"]>;
}

/**
 * A `backup` event: a backup's progress (status `running` with its phase) and
 * its end (`verified`, or `failed` with the problem). Not in the OpenAPI
 * document either: built from the Manifest and RunningBackup schemas.
 */
export interface BackupProgress {
  name: Manifest["name"];
  phase: Schemas["RunningBackup"]["phase"] | null;
  status: Manifest["status"];
  problem: string | null;
}

export type LiveEvent =
  | { type: "node"; data: Node }
  | { type: "output"; data: MaybeRemoved<Output> }
  | { type: "sensor"; data: MaybeRemoved<Sensor> }
  | { type: "command"; data: Command }
  | { type: "reading"; data: Reading }
  | { type: "backup"; data: BackupProgress }
  | { type: "alarm"; data: Alarm };

export type LiveEventType = LiveEvent["type"];

export const LIVE_EVENT_TYPES: readonly LiveEventType[] = [
  "node",
  "output",
  "sensor",
  "command",
  "reading",
  "backup",
  "alarm",
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hasNumbers(value: Record<string, unknown>, keys: readonly string[]): boolean {
  return keys.every((k) => typeof value[k] === "number");
}

function hasStrings(value: Record<string, unknown>, keys: readonly string[]): boolean {
  return keys.every((k) => typeof value[k] === "string");
}

/** `removed_at` is absent (still there) or a time (gone). */
function removalMark(value: Record<string, unknown>): boolean {
  return value.removed_at === undefined || typeof value.removed_at === "string";
}

/**
 * Reads one event's JSON. The shapes are checked only as far as the reducer
 * relies on them (ids, the fields it compares); anything else is trusted to the
 * server, which produces these from the same types as its responses.
 * Returns null for an event this page cannot use, which the caller ignores.
 */
export function parseLiveEvent(type: string, raw: string): LiveEvent | null {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isRecord(data)) return null;
  switch (type) {
    case "node":
      return hasNumbers(data, ["id"]) && hasStrings(data, ["name", "status"])
        ? { type, data: data as unknown as Node }
        : null;
    case "output":
      return hasNumbers(data, ["id", "node_id", "desired_state"]) && removalMark(data)
        ? { type, data: data as unknown as MaybeRemoved<Output> }
        : null;
    case "sensor":
      return hasNumbers(data, ["id", "node_id", "interval_s"]) && hasStrings(data, ["name"]) && removalMark(data)
        ? { type, data: data as unknown as MaybeRemoved<Sensor> }
        : null;
    case "command":
      return hasNumbers(data, ["id", "output_id", "state"]) && hasStrings(data, ["status"])
        ? { type, data: data as unknown as Command }
        : null;
    case "reading":
      return hasNumbers(data, ["sensor_id", "value"]) && hasStrings(data, ["ts"])
        ? { type, data: data as unknown as Reading }
        : null;
    case "backup":
      return hasStrings(data, ["name", "status"]) ? { type, data: data as unknown as BackupProgress } : null;
    case "alarm":
      return hasNumbers(data, ["id"]) && hasStrings(data, ["severity", "message", "raised_at"])
        ? { type, data: data as unknown as Alarm }
        : null;
    default:
      return null;
  }
}
