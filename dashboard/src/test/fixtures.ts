import type { Command, DashboardState, Node, OutputState, SensorState } from "../features/live-state";

/** Small, valid API objects for tests; override what a test is about. */
export function node(overrides: Partial<Node> = {}): Node {
  return {
    id: 1,
    name: "Greenhouse",
    mac: "b8:27:eb:00:00:01",
    model: "Raspberry Pi 4",
    agent_version: "1.0",
    ip: null,
    status: "online",
    heartbeat_interval_s: 15,
    uptime_s: 100,
    adopted_at: "2026-03-01T00:00:00.000Z",
    last_seen_at: "2026-03-01T06:00:00.000Z",
    retired_at: null,
    ...overrides,
  };
}

export function sensor(overrides: Partial<SensorState> = {}): SensorState {
  return {
    id: 1,
    node_id: 1,
    key: "air_temp",
    name: "Air temperature",
    kind: "temperature",
    unit: "°C",
    interval_s: 10,
    retention_days: 365,
    last_value: 15.5,
    last_ts: "2026-03-01T06:00:00.000Z",
    stale: false,
    ...overrides,
  };
}

export function output(overrides: Partial<OutputState> = {}): OutputState {
  return {
    id: 2,
    node_id: 1,
    key: "vent_fan",
    name: "Vent fan",
    kind: "relay",
    default_state: 0,
    desired_state: 0,
    reported_state: 0,
    reported_at: "2026-03-01T06:00:00.000Z",
    pending_command: null,
    last_command: null,
    ...overrides,
  };
}

export function command(overrides: Partial<Command> = {}): Command {
  return {
    id: 10,
    output_id: 2,
    node_id: 1,
    output_key: "vent_fan",
    state: 1,
    source: "user",
    requested_by: "admin",
    status: "queued",
    created_at: "2026-03-01T06:00:00.000Z",
    delivered_at: null,
    finished_at: null,
    error: null,
    ...overrides,
  };
}

export function dashboard(overrides: Partial<DashboardState> = {}): DashboardState {
  const state: DashboardState = {
    site: { name: "Demo Farm", timezone: "UTC", units: "metric", updated_at: "2026-03-01T00:00:00.000Z" },
    nodes: [node()],
    sensors: [sensor()],
    outputs: [output()],
    counts: {
      nodes_online: 1,
      nodes_offline: 0,
      nodes_retired: 0,
      sensors: 1,
      sensors_stale: 0,
      outputs: 1,
      commands_pending: 0,
    },
    backup: { newest_verified_at: "2026-03-01T03:00:00.000Z", age_s: 10800, stale: false },
    generated_at: "2026-03-01T06:00:00.000Z",
    ...overrides,
  };
  return state;
}
