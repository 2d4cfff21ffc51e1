import type {
  Command,
  DashboardState,
  LiveEvent,
  MaybeRemoved,
  Node,
  Output,
  OutputState,
  Reading,
  Sensor,
  SensorState,
} from "./live-event";

/**
 * The result of merging one live event into the cached dashboard state.
 * `state` is the same object when the event changed nothing (heartbeats repeat
 * unchanged outputs every few seconds: no re-render for those). `stale` is true
 * when the event names something the state does not have (a node registered or
 * an output added elsewhere): only a reload of the state can show it. A sensor
 * added elsewhere needs none: its event holds all the state shows of it.
 * `counts` is left as loaded: pages count what they show (see the overview).
 */
export interface Applied {
  state: DashboardState;
  stale: boolean;
}

const OPEN: ReadonlySet<Command["status"]> = new Set(["queued", "delivered"]);

function sameFields<T extends object>(current: T, incoming: Partial<T>): boolean {
  return (Object.keys(incoming) as (keyof T)[]).every((k) => Object.is(current[k], incoming[k]));
}

function replaceAt<T>(list: readonly T[], index: number, item: T): T[] {
  const copy = list.slice();
  copy[index] = item;
  return copy;
}

function applyNode(state: DashboardState, node: Node): Applied {
  const i = state.nodes.findIndex((n) => n.id === node.id);
  if (i < 0) return { state, stale: true };
  const current = state.nodes[i]!;
  if (sameFields(current, node)) return { state, stale: false };
  return { state: { ...state, nodes: replaceAt(state.nodes, i, { ...current, ...node }) }, stale: false };
}

/**
 * An output changed, or removed (it leaves the state). One added elsewhere
 * needs a reload: the state shows commands beside it that the event lacks.
 */
function applyOutput(state: DashboardState, event: MaybeRemoved<Output>): Applied {
  const { removed_at: removedAt, ...output } = event;
  const i = state.outputs.findIndex((o) => o.id === output.id);
  if (removedAt !== undefined) {
    if (i < 0) return { state, stale: false };
    return { state: { ...state, outputs: state.outputs.filter((o) => o.id !== output.id) }, stale: false };
  }
  if (i < 0) return { state, stale: true };
  const current = state.outputs[i]!;
  if (sameFields(current, output)) return { state, stale: false };
  // The event is a plain Output: the commands shown beside it stay as they were.
  const next: OutputState = { ...current, ...output };
  return { state: { ...state, outputs: replaceAt(state.outputs, i, next) }, stale: false };
}

/**
 * A command moves `pending_command` (the newest open one: the spinner) and
 * `last_command` (the newest whatever its status: shows a failure). Ids grow,
 * so an older command arriving late never replaces a newer one.
 */
export function withCommand(output: OutputState, command: Command): OutputState {
  const last = output.last_command ?? null;
  const pending = output.pending_command ?? null;
  let nextLast = last;
  if (last === null || command.id >= last.id) nextLast = command;
  let nextPending = pending;
  if (OPEN.has(command.status)) {
    if (pending === null || command.id >= pending.id) nextPending = command;
  } else if (pending !== null && pending.id === command.id) {
    nextPending = null;
  }
  if (nextLast === last && nextPending === pending) return output;
  return { ...output, last_command: nextLast, pending_command: nextPending };
}

function applyCommand(state: DashboardState, command: Command): Applied {
  const i = state.outputs.findIndex((o) => o.id === command.output_id);
  if (i < 0) return { state, stale: true };
  const current = state.outputs[i]!;
  const next = withCommand(current, command);
  if (next === current) return { state, stale: false };
  return { state: { ...state, outputs: replaceAt(state.outputs, i, next) }, stale: false };
}

/**
 * A sensor added, changed or removed. An added one is shown at once, in id
 * order (if its node is unknown the state is behind: reload). A reading applied
 * after the server read the sensor is kept over the event's older one. The
 * state's stale mark holds only for the interval and reading it was computed
 * from: when either changes, isSensorStale's time rule decides alone.
 */
function applySensor(state: DashboardState, event: MaybeRemoved<Sensor>): Applied {
  const { removed_at: removedAt, ...sensor } = event;
  const i = state.sensors.findIndex((s) => s.id === sensor.id);
  if (removedAt !== undefined) {
    if (i < 0) return { state, stale: false };
    return { state: { ...state, sensors: state.sensors.filter((s) => s.id !== sensor.id) }, stale: false };
  }
  if (i < 0) {
    const added: SensorState = { ...sensor, stale: !sensor.last_ts };
    const sensors = [...state.sensors, added].sort((a, b) => a.id - b.id);
    return { state: { ...state, sensors }, stale: !state.nodes.some((n) => n.id === sensor.node_id) };
  }
  const current = state.sensors[i]!;
  const keepReading =
    !!current.last_ts && (!sensor.last_ts || Date.parse(current.last_ts) > Date.parse(sensor.last_ts));
  const merged = keepReading
    ? { ...current, ...sensor, last_value: current.last_value, last_ts: current.last_ts }
    : { ...current, ...sensor };
  const sameBasis = merged.interval_s === current.interval_s && merged.last_ts === current.last_ts;
  const next: SensorState = { ...merged, stale: sameBasis ? current.stale : !merged.last_ts };
  if (sameFields(current, next)) return { state, stale: false };
  return { state: { ...state, sensors: replaceAt(state.sensors, i, next) }, stale: false };
}

function applyReading(state: DashboardState, reading: Reading): Applied {
  const i = state.sensors.findIndex((s) => s.id === reading.sensor_id);
  if (i < 0) return { state, stale: true };
  const current = state.sensors[i]!;
  if (current.last_ts && Date.parse(current.last_ts) > Date.parse(reading.ts)) return { state, stale: false };
  const next: SensorState = { ...current, last_value: reading.value, last_ts: reading.ts, stale: false };
  if (sameFields(current, next)) return { state, stale: false };
  return { state: { ...state, sensors: replaceAt(state.sensors, i, next) }, stale: false };
}

/** Merges one event from GET /api/events into the state from GET /api/dashboard/state. */
export function applyEvent(state: DashboardState, event: LiveEvent): Applied {
  switch (event.type) {
    case "node":
      return applyNode(state, event.data);
    case "output":
      return applyOutput(state, event.data);
    case "sensor":
      return applySensor(state, event.data);
    case "command":
      return applyCommand(state, event.data);
    case "reading":
      return applyReading(state, event.data);
    case "backup":
      // A finished backup may change the state's newest verified backup: read it again.
      return { state, stale: event.data.status !== "running" };
    case "alarm":
      // Not part of the dashboard state: the alarms listen for these themselves.
      return { state, stale: false };
  }
}

/** Applies events in order; stale if any of them was. */
export function applyEvents(state: DashboardState, events: readonly LiveEvent[]): Applied {
  let stale = false;
  let current = state;
  for (const event of events) {
    const applied = applyEvent(current, event);
    current = applied.state;
    stale ||= applied.stale;
  }
  return { state: current, stale };
}

/**
 * Whether a sensor's reading is too old, by the API's rule (none within three
 * intervals). The state's `stale` flag is only as fresh as the state; this
 * keeps the mark right while the page stays open and no event comes.
 */
export function isSensorStale(sensor: SensorState, nowMs: number): boolean {
  if (!sensor.last_ts) return true;
  return sensor.stale || nowMs - Date.parse(sensor.last_ts) > 3 * sensor.interval_s * 1000;
}
