import { describe, expect, it } from "vitest";
import {
  DEFAULT_RANGE,
  MAX_SENSORS,
  parseRange,
  parseSensorIds,
  rangeKey,
  resolveRange,
  withRange,
  withSensorIds,
  zoomRange,
} from "./ranges";

const now = Date.parse("2026-03-01T06:00:00.000Z");

describe("range presets", () => {
  it.each([
    ["1h", "2026-03-01T05:00:00.000Z"],
    ["24h", "2026-02-28T06:00:00.000Z"],
    ["7d", "2026-02-22T06:00:00.000Z"],
    ["30d", "2026-01-30T06:00:00.000Z"],
    ["1y", "2025-03-01T06:00:00.000Z"],
  ])("%s ends now and starts at %s", (preset, from) => {
    const range = parseRange(new URLSearchParams({ range: preset }));
    const { fromMs, toMs } = resolveRange(range, now);
    expect(new Date(fromMs).toISOString()).toBe(from);
    expect(toMs).toBe(now);
  });

  it("falls back to the last 24 h for no range or an unknown one", () => {
    expect(parseRange(new URLSearchParams())).toEqual(DEFAULT_RANGE);
    expect(parseRange(new URLSearchParams({ range: "2w" }))).toEqual(DEFAULT_RANGE);
  });
});

describe("zoomed ranges", () => {
  it("reads from/to, which win over a preset", () => {
    const params = new URLSearchParams({ range: "7d", from: "2026-03-01T01:00:00Z", to: "2026-03-01T02:00:00Z" });
    expect(parseRange(params)).toEqual({
      kind: "custom",
      fromMs: Date.parse("2026-03-01T01:00:00Z"),
      toMs: Date.parse("2026-03-01T02:00:00Z"),
    });
  });

  it("ignores from/to that are unreadable or backwards", () => {
    expect(parseRange(new URLSearchParams({ from: "yesterday", to: "2026-03-01T02:00:00Z" }))).toEqual(DEFAULT_RANGE);
    expect(
      parseRange(new URLSearchParams({ from: "2026-03-01T02:00:00Z", to: "2026-03-01T01:00:00Z", range: "1h" })),
    ).toEqual({ kind: "preset", preset: "1h" });
  });

  it("widens a drag narrower than a minute around its middle", () => {
    expect(zoomRange(now + 10_000, now)).toEqual({ kind: "custom", fromMs: now - 25_000, toMs: now + 35_000 });
  });

  it("round-trips through the address", () => {
    const range = zoomRange(now - 3_600_000, now);
    const params = withRange(new URLSearchParams({ sensors: "1,2" }), range);
    expect(params.get("sensors")).toBe("1,2");
    expect(parseRange(params)).toEqual(range);
    const back = withRange(params, { kind: "preset", preset: "7d" });
    expect([...back.keys()].sort()).toEqual(["range", "sensors"]);
    expect(withRange(back, DEFAULT_RANGE).has("range")).toBe(false);
  });

  it("keys presets by name (they follow the clock) and zooms by their instants", () => {
    expect(rangeKey({ kind: "preset", preset: "7d" })).toBe("7d");
    expect(rangeKey({ kind: "custom", fromMs: 1, toMs: 2 })).toBe("1-2");
  });
});

describe("sensor ids in the address", () => {
  it("keeps positive integers once each, in order", () => {
    expect(parseSensorIds(new URLSearchParams({ sensors: "3, 1,3,x,0,-2,4.5,7" }))).toEqual([3, 1, 7]);
  });

  it("stops at the API's limit", () => {
    const many = Array.from({ length: 20 }, (_, i) => i + 1).join(",");
    expect(parseSensorIds(new URLSearchParams({ sensors: many }))).toHaveLength(MAX_SENSORS);
  });

  it("writes and clears the choice", () => {
    expect(withSensorIds(new URLSearchParams({ range: "7d" }), [4, 2]).toString()).toBe("range=7d&sensors=4%2C2");
    expect(withSensorIds(new URLSearchParams({ sensors: "1" }), []).has("sensors")).toBe(false);
  });
});
