import type { components } from "./schema";

/**
 * The schema's enums as runtime values, for selects and checkboxes. Each table
 * is a `Record` over the generated union, so `tsc` fails when the API adds or
 * drops a value and this file is not updated (after `npm run gen:api`).
 */

export type Capability = components["schemas"]["Capability"];
export type Role = components["schemas"]["Role"];
export type SensorKind = components["schemas"]["SensorKind"];
export type OutputKind = components["schemas"]["OutputKind"];

export const CAPABILITY_LABELS: Record<Capability, string> = {
  "alarms.ack": "Acknowledge alarms",
  "alarms.view": "View alarms",
  "backups.manage": "Manage backups",
  "backups.view": "View backups",
  "config.write": "Change site settings",
  "logs.view": "View logs",
  "nodes.manage": "Register, change and retire nodes",
  "nodes.view": "View nodes, sensors, outputs and charts",
  "outputs.command": "Switch outputs",
  "schedules.run": "Run schedules",
  "schedules.view": "View schedules",
  "schedules.write": "Change schedules",
  "tokens.manage": "Manage API tokens",
  "users.manage": "Manage users",
};

export const ROLE_LABELS: Record<Role, string> = {
  viewer: "Viewer",
  operator: "Operator",
  admin: "Admin",
};

export const SENSOR_KIND_LABELS: Record<SensorKind, string> = {
  temperature: "Temperature",
  humidity: "Humidity",
  soil_moisture: "Soil moisture",
  pressure: "Pressure",
  flow: "Flow",
  level: "Level",
  voltage: "Voltage",
  current: "Current",
  power: "Power",
  generic: "Other",
};

export const OUTPUT_KIND_LABELS: Record<OutputKind, string> = {
  relay: "Relay (on/off)",
  level: "Level (0–100 %)",
};

/** The keys of one of the tables above, typed as the union (Object.keys gives string[]). */
export function keysOf<K extends string>(table: Record<K, string>): K[] {
  return Object.keys(table) as K[];
}
