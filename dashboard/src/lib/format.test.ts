import { describe, expect, it } from "vitest";
import { formatAgo, formatDuration, formatValue } from "./format";

const now = Date.parse("2026-03-01T06:00:00.000Z");

describe("formatAgo", () => {
  it.each([
    ["2026-03-01T05:59:58.000Z", "just now"],
    ["2026-03-01T05:59:18.000Z", "42 s ago"],
    ["2026-03-01T05:55:00.000Z", "5 min ago"],
    ["2026-03-01T02:30:00.000Z", "3 h ago"],
    ["2026-02-17T06:00:00.000Z", "12 d ago"],
    ["2026-03-01T06:05:00.000Z", "in 5 min"],
  ])("%s is %s", (iso, expected) => {
    expect(formatAgo(iso, now)).toBe(expected);
  });

  it("says unknown for a time it cannot read", () => {
    expect(formatAgo("yesterday", now)).toBe("unknown");
  });
});

describe("formatValue", () => {
  it.each([
    [15.52, "°C", "15.5 °C"],
    [1012.13, "hPa", "1012 hPa"],
    [0, "L/min", "0 L/min"],
    [3.2718, "V", "3.27 V"],
    [-4.25, "°C", "-4.25 °C"],
    [72.0, "%", "72 %"],
    [12345.6, "W", "12346 W"],
  ])("%s %s is %s", (value, unit, expected) => {
    expect(formatValue(value, unit)).toBe(expected);
  });

  it("shows a dash when there is no reading", () => {
    expect(formatValue(null, "°C")).toBe("–");
    expect(formatValue(undefined, "°C")).toBe("–");
  });

  it("leaves out an empty unit", () => {
    expect(formatValue(7, "")).toBe("7");
  });
});

describe("formatDuration", () => {
  it.each([
    [45, "45 s"],
    [125, "2 min"],
    [7500, "2 h 5 min"],
    [7200, "2 h"],
    [273600, "3 d 4 h"],
  ])("%s s is %s", (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });
});
