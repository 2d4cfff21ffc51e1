import { describe, expect, it } from "vitest";
import { createEventLog } from "./event-log";
import { createLiveListeners } from "./live-listeners";
import { parseLiveEvent } from "./live-event";
import { command, node, sensor } from "../../test/fixtures";

describe("parseLiveEvent", () => {
  it("reads the four event types", () => {
    expect(parseLiveEvent("node", JSON.stringify(node()))).toEqual({ type: "node", data: node() });
    expect(parseLiveEvent("command", JSON.stringify(command()))).toEqual({ type: "command", data: command() });
    const reading = { sensor_id: 3, ts: "2026-03-01T06:00:00.000Z", value: 1.5 };
    expect(parseLiveEvent("reading", JSON.stringify(reading))).toEqual({ type: "reading", data: reading });
  });

  it("reads a sensor, and a removed one with its removal time", () => {
    const { stale: _stale, ...plain } = sensor();
    expect(parseLiveEvent("sensor", JSON.stringify(plain))).toEqual({ type: "sensor", data: plain });
    const gone = { ...plain, removed_at: "2026-03-01T06:00:30.000Z" };
    expect(parseLiveEvent("sensor", JSON.stringify(gone))).toEqual({ type: "sensor", data: gone });
    expect(parseLiveEvent("sensor", JSON.stringify({ ...plain, removed_at: 1 }))).toBeNull();
    expect(parseLiveEvent("sensor", JSON.stringify({ ...plain, interval_s: "60" }))).toBeNull();
  });

  it("reads a removed output", () => {
    const gone = { id: 2, node_id: 1, desired_state: 0, removed_at: "2026-03-01T06:00:30.000Z" };
    expect(parseLiveEvent("output", JSON.stringify(gone))).toEqual({ type: "output", data: gone });
    expect(parseLiveEvent("output", JSON.stringify({ ...gone, removed_at: true }))).toBeNull();
  });

  it("reads a backup's progress", () => {
    const progress = { name: "backup-1", phase: "verify", status: "running", problem: null };
    expect(parseLiveEvent("backup", JSON.stringify(progress))).toEqual({ type: "backup", data: progress });
    expect(parseLiveEvent("backup", JSON.stringify({ name: 3 }))).toBeNull();
  });

  it("ignores what it cannot use: bad JSON, wrong shapes, unknown types", () => {
    expect(parseLiveEvent("node", "{not json")).toBeNull();
    expect(parseLiveEvent("node", "[]")).toBeNull();
    expect(parseLiveEvent("reading", JSON.stringify({ sensor_id: "3", ts: "x", value: 1 }))).toBeNull();
    expect(parseLiveEvent("command", JSON.stringify({ id: 1, output_id: 2, state: 1 }))).toBeNull();
    expect(parseLiveEvent("alarm", JSON.stringify({ id: 1 }))).toBeNull();
    expect(parseLiveEvent("weather", JSON.stringify({ id: 1 }))).toBeNull();
  });

  it("reads a raised alarm", () => {
    const alarm = {
      id: 4,
      severity: "warning",
      message: "no verified backup in the last 2 days",
      raised_at: "2026-03-01T06:00:00.000Z",
      schedule_id: null,
      acknowledged_at: null,
      acknowledged_by: null,
    };
    expect(parseLiveEvent("alarm", JSON.stringify(alarm))).toEqual({ type: "alarm", data: alarm });
  });
});

describe("createEventLog", () => {
  const a = { type: "node", data: node({ id: 1 }) } as const;
  const b = { type: "node", data: node({ id: 2 }) } as const;
  const c = { type: "node", data: node({ id: 3 }) } as const;

  it("returns what arrived after a mark", () => {
    const log = createEventLog();
    log.push(a);
    const mark = log.mark();
    log.push(b);
    log.push(c);
    expect(log.since(mark)).toEqual([b, c]);
    expect(log.since(log.mark())).toEqual([]);
  });

  it("says so (null) when events after the mark were already dropped", () => {
    const log = createEventLog(2);
    const mark = log.mark();
    log.push(a);
    log.push(b);
    expect(log.since(mark)).toEqual([a, b]);
    log.push(c);
    expect(log.since(mark)).toBeNull();
    expect(log.since(1)).toEqual([b, c]);
  });
});

describe("createLiveListeners", () => {
  it("tells subscribers until they unsubscribe", () => {
    const listeners = createLiveListeners();
    const seen: string[] = [];
    const stop = listeners.subscribe((event) => seen.push(event.type));
    listeners.emit({ type: "node", data: node() });
    stop();
    listeners.emit({ type: "node", data: node() });
    expect(seen).toEqual(["node"]);
  });
});
