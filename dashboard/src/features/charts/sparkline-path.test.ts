import { describe, expect, it } from "vitest";
import { sparklinePaths } from "./sparkline-path";

const T0 = Date.parse("2026-03-01T00:00:00.000Z");
const box = { width: 100, height: 20, fromMs: T0, toMs: T0 + 100_000, gapMs: 30_000 };

function point(offsetS: number, avg: number, min = avg, max = avg) {
  return { ts: new Date(T0 + offsetS * 1000).toISOString(), min, max, avg, count: 1 };
}

describe("sparklinePaths", () => {
  it("draws nothing without points", () => {
    expect(sparklinePaths([], box)).toEqual({ line: "", band: "" });
  });

  it("spans the range in x and the values (with a margin) in y, higher up", () => {
    const { line } = sparklinePaths([point(0, 0), point(50, 10), point(100, 5)], { ...box, gapMs: 60_000 });
    // low -0.8, high 10.8: 0 → 18.62, 10 → 1.38, 5 → 10.
    expect(line).toBe("M0 18.62L50 1.38L100 10");
  });

  it("starts a new stretch after a gap and draws the band per stretch", () => {
    const { line, band } = sparklinePaths(
      [point(0, 5, 4, 6), point(10, 5, 4, 6), point(60, 5, 4, 6), point(70, 5, 4, 6)],
      box,
    );
    expect(line.match(/M/g)).toHaveLength(2);
    expect(band.match(/Z/g)).toHaveLength(2);
    expect(band.startsWith("M0 ")).toBe(true);
  });

  it("puts a flat series in the middle and still shows a lone point", () => {
    expect(sparklinePaths([point(0, 3), point(10, 3)], box).line).toBe("M0 10L10 10");
    expect(sparklinePaths([point(50, 3)], box)).toEqual({ line: "M49.5 10h1", band: "" });
  });
});
