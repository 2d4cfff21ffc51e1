import { describe, expect, it } from "vitest";
import { applyEvent, applyEvents, isSensorStale, withCommand } from "./apply-event";
import type { MaybeRemoved, Output, Sensor } from "./live-event";
import { command, dashboard, node, output, sensor } from "../../test/fixtures";

/** An `output` event: a plain Output, without the commands the state adds. */
function outputEvent(overrides: Partial<MaybeRemoved<Output>> = {}): MaybeRemoved<Output> {
  const { pending_command: _pending, last_command: _last, ...plain } = output();
  return { ...plain, ...overrides };
}

/** A `sensor` event: a plain Sensor, without the stale mark the state adds. */
function sensorEvent(overrides: Partial<MaybeRemoved<Sensor>> = {}): MaybeRemoved<Sensor> {
  const { stale: _stale, ...plain } = sensor();
  return { ...plain, ...overrides };
}

const REMOVED_AT = "2026-03-01T06:00:30.000Z";

describe("applyEvent: commands", () => {
  it("shows a queued command as pending and as the last command", () => {
    const queued = command({ id: 10, status: "queued" });
    const { state, stale } = applyEvent(dashboard(), { type: "command", data: queued });
    expect(stale).toBe(false);
    expect(state.outputs[0]?.pending_command).toEqual(queued);
    expect(state.outputs[0]?.last_command).toEqual(queued);
  });

  it("clears the spinner when the node confirms", () => {
    const start = dashboard({ outputs: [output({ pending_command: command({ status: "delivered" }) })] });
    const confirmed = command({ status: "confirmed", finished_at: "2026-03-01T06:00:01.000Z" });
    const { state } = applyEvent(start, { type: "command", data: confirmed });
    expect(state.outputs[0]?.pending_command).toBeNull();
    expect(state.outputs[0]?.last_command?.status).toBe("confirmed");
  });

  it("keeps a failed command as the last one so the page can say so", () => {
    const start = dashboard({ outputs: [output({ pending_command: command() })] });
    const failed = command({ status: "failed", error: "relay stuck" });
    const { state } = applyEvent(start, { type: "command", data: failed });
    expect(state.outputs[0]?.pending_command).toBeNull();
    expect(state.outputs[0]?.last_command).toEqual(failed);
  });

  it("keeps the newer command pending when a superseded one expires", () => {
    const newer = command({ id: 11, state: 0 });
    const start = dashboard({ outputs: [output({ pending_command: newer, last_command: newer })] });
    const superseded = command({ id: 10, status: "expired", error: "superseded by a newer command" });
    const { state } = applyEvent(start, { type: "command", data: superseded });
    expect(state.outputs[0]?.pending_command).toEqual(newer);
    expect(state.outputs[0]?.last_command).toEqual(newer);
    expect(state).toBe(start);
  });

  it("does not let an old 'delivered' arriving late bring back a finished command's spinner", () => {
    const done = command({ id: 10, status: "confirmed" });
    const start = output({ last_command: done });
    const next = withCommand(start, command({ id: 9, status: "delivered" }));
    expect(next.last_command).toEqual(done);
    expect(next.pending_command).toEqual(command({ id: 9, status: "delivered" }));
    // ...whereas the same command finishing always clears it.
    expect(withCommand(next, command({ id: 9, status: "confirmed" })).pending_command).toBeNull();
  });

  it("asks for a reload for a command of an output it does not know", () => {
    const { state, stale } = applyEvent(dashboard(), { type: "command", data: command({ output_id: 99 }) });
    expect(stale).toBe(true);
    expect(state.outputs[0]?.pending_command).toBeNull();
  });
});

describe("applyEvent: outputs", () => {
  it("updates desired and reported states and keeps the commands beside them", () => {
    const pending = command({ status: "delivered" });
    const start = dashboard({ outputs: [output({ pending_command: pending })] });
    const { state } = applyEvent(start, {
      type: "output",
      data: outputEvent({ desired_state: 1, reported_state: 1, reported_at: "2026-03-01T06:00:05.000Z" }),
    });
    expect(state.outputs[0]).toMatchObject({ desired_state: 1, reported_state: 1, pending_command: pending });
  });

  it("returns the same state for a heartbeat that changed nothing", () => {
    const start = dashboard();
    expect(applyEvent(start, { type: "output", data: outputEvent() }).state).toBe(start);
  });

  it("asks for a reload for an output added elsewhere", () => {
    expect(applyEvent(dashboard(), { type: "output", data: outputEvent({ id: 42 }) }).stale).toBe(true);
  });

  it("drops a removed output, and its commands with it", () => {
    const start = dashboard({ outputs: [output({ pending_command: command() }), output({ id: 3 })] });
    const { state, stale } = applyEvent(start, { type: "output", data: outputEvent({ removed_at: REMOVED_AT }) });
    expect(stale).toBe(false);
    expect(state.outputs.map((o) => o.id)).toEqual([3]);
    expect(state.outputs[0]).not.toHaveProperty("removed_at");
  });

  it("returns the same state for the removal of an output it does not show", () => {
    const start = dashboard();
    const applied = applyEvent(start, { type: "output", data: outputEvent({ id: 42, removed_at: REMOVED_AT }) });
    expect(applied).toEqual({ state: start, stale: false });
    expect(applied.state).toBe(start);
  });
});

describe("applyEvent: sensors", () => {
  it("shows a sensor added elsewhere at once, in id order, stale until its first reading", () => {
    const start = dashboard({ sensors: [sensor({ id: 1 }), sensor({ id: 5 })] });
    const added = sensorEvent({ id: 3, key: "co2", name: "CO2", last_value: null, last_ts: null });
    const { state, stale } = applyEvent(start, { type: "sensor", data: added });
    expect(stale).toBe(false);
    expect(state.sensors.map((s) => s.id)).toEqual([1, 3, 5]);
    expect(state.sensors[1]).toEqual({ ...added, stale: true });
    expect(start.sensors).toHaveLength(2);
  });

  it("asks for a reload for a sensor of a node it does not know", () => {
    const { state, stale } = applyEvent(dashboard(), { type: "sensor", data: sensorEvent({ id: 3, node_id: 9 }) });
    expect(stale).toBe(true);
    expect(state.sensors.map((s) => s.id)).toEqual([1, 3]);
  });

  it("renames a sensor and keeps its stale mark while interval and reading stay", () => {
    const start = dashboard({ sensors: [sensor({ stale: true })] });
    const { state, stale } = applyEvent(start, { type: "sensor", data: sensorEvent({ name: "Air", unit: "°F" }) });
    expect(stale).toBe(false);
    expect(state.sensors[0]).toEqual(sensor({ name: "Air", unit: "°F", stale: true }));
  });

  it("leaves staleness to the time rule once the interval changes", () => {
    const start = dashboard({ sensors: [sensor({ stale: true })] });
    const { state } = applyEvent(start, { type: "sensor", data: sensorEvent({ interval_s: 3600 }) });
    expect(state.sensors[0]).toMatchObject({ interval_s: 3600, stale: false });
    expect(isSensorStale(state.sensors[0]!, Date.parse("2026-03-01T08:00:00.000Z"))).toBe(false);
  });

  it("keeps a reading newer than the one the event was read with", () => {
    const start = dashboard({ sensors: [sensor({ last_value: 16.25, last_ts: "2026-03-01T06:00:10.000Z" })] });
    const { state } = applyEvent(start, { type: "sensor", data: sensorEvent({ name: "Air" }) });
    expect(state.sensors[0]).toMatchObject({ name: "Air", last_value: 16.25, last_ts: "2026-03-01T06:00:10.000Z" });
  });

  it("returns the same state for a change that changed nothing", () => {
    const start = dashboard();
    expect(applyEvent(start, { type: "sensor", data: sensorEvent() }).state).toBe(start);
  });

  it("drops a removed sensor", () => {
    const start = dashboard({ sensors: [sensor({ id: 1 }), sensor({ id: 2, key: "soil" })] });
    const { state, stale } = applyEvent(start, { type: "sensor", data: sensorEvent({ removed_at: REMOVED_AT }) });
    expect(stale).toBe(false);
    expect(state.sensors.map((s) => s.id)).toEqual([2]);
  });

  it("returns the same state for the removal of a sensor it does not show (a replay, say)", () => {
    const start = dashboard();
    const applied = applyEvent(start, { type: "sensor", data: sensorEvent({ id: 8, removed_at: REMOVED_AT }) });
    expect(applied).toEqual({ state: start, stale: false });
    expect(applied.state).toBe(start);
  });

  it("ends with the sensor gone after add, rename and remove replayed in order", () => {
    const added = sensorEvent({ id: 3, name: "CO2", last_value: null, last_ts: null });
    const { state, stale } = applyEvents(dashboard(), [
      { type: "sensor", data: added },
      { type: "sensor", data: { ...added, name: "Carbon dioxide" } },
      { type: "sensor", data: { ...added, name: "Carbon dioxide", removed_at: REMOVED_AT } },
    ]);
    expect(stale).toBe(false);
    expect(state.sensors.map((s) => s.id)).toEqual([1]);
  });
});

describe("applyEvent: nodes", () => {
  it("moves a node offline", () => {
    const { state } = applyEvent(dashboard(), { type: "node", data: node({ status: "offline" }) });
    expect(state.nodes[0]?.status).toBe("offline");
  });

  it("asks for a reload for a node registered elsewhere", () => {
    const { state, stale } = applyEvent(dashboard(), { type: "node", data: node({ id: 7 }) });
    expect(stale).toBe(true);
    expect(state.nodes).toHaveLength(1);
  });
});

describe("applyEvent: readings", () => {
  it("shows the newest value and clears the stale mark", () => {
    const start = dashboard({ sensors: [sensor({ stale: true })] });
    const { state } = applyEvent(start, {
      type: "reading",
      data: { sensor_id: 1, ts: "2026-03-01T06:00:10.000Z", value: 16.25 },
    });
    expect(state.sensors[0]).toMatchObject({ last_value: 16.25, last_ts: "2026-03-01T06:00:10.000Z", stale: false });
  });

  it("ignores a reading older than the one shown", () => {
    const start = dashboard();
    const { state } = applyEvent(start, {
      type: "reading",
      data: { sensor_id: 1, ts: "2026-03-01T05:00:00.000Z", value: 3 },
    });
    expect(state).toBe(start);
  });
});

describe("applyEvent: backups", () => {
  it("leaves the state as it is while a backup runs (the backups page follows these)", () => {
    const start = dashboard();
    const applied = applyEvent(start, {
      type: "backup",
      data: { name: "b", phase: "compress", status: "running", problem: null },
    });
    expect(applied).toEqual({ state: start, stale: false });
    expect(applied.state).toBe(start);
  });

  it("reads the state again when a backup ends (its newest verified backup may change)", () => {
    const start = dashboard();
    for (const status of ["verified", "failed"] as const) {
      const applied = applyEvent(start, { type: "backup", data: { name: "b", phase: null, status, problem: null } });
      expect(applied).toEqual({ state: start, stale: true });
    }
  });
});

describe("applyEvents", () => {
  it("applies in order and reports a reload if any event needed one", () => {
    const { state, stale } = applyEvents(dashboard(), [
      { type: "command", data: command({ id: 10 }) },
      { type: "node", data: node({ id: 5 }) },
      { type: "command", data: command({ id: 10, status: "confirmed" }) },
    ]);
    expect(stale).toBe(true);
    expect(state.outputs[0]?.pending_command).toBeNull();
    expect(state.outputs[0]?.last_command?.status).toBe("confirmed");
  });
});

describe("isSensorStale", () => {
  const now = Date.parse("2026-03-01T06:00:00.000Z");
  it("is fresh within three intervals", () => {
    expect(isSensorStale(sensor({ interval_s: 10, last_ts: "2026-03-01T05:59:31.000Z" }), now)).toBe(false);
  });
  it("is stale after three intervals without a reading", () => {
    expect(isSensorStale(sensor({ interval_s: 10, last_ts: "2026-03-01T05:59:29.000Z" }), now)).toBe(true);
  });
  it("is stale without any reading, or when the server says so", () => {
    expect(isSensorStale(sensor({ last_ts: null, last_value: null }), now)).toBe(true);
    expect(isSensorStale(sensor({ stale: true, last_ts: "2026-03-01T06:00:00.000Z" }), now)).toBe(true);
  });
});
