import { describe, expect, it } from "vitest";
import { describeDecision, describeOutcome, type Names } from "./action-log-words";

const names: Names = {
  sensor: (id) => (id === 4 ? { name: "Soil moisture", unit: "%" } : undefined),
};

describe("describeOutcome", () => {
  it("labels the known outcomes and passes an unknown one through", () => {
    expect(describeOutcome({ outcome: "fired" })).toEqual({ label: "Started", tone: "ok" });
    expect(describeOutcome({ outcome: "missed" })).toEqual({ label: "Missed", tone: "bad" });
    expect(describeOutcome({ outcome: "paused" })).toEqual({ label: "paused", tone: "info" });
  });
});

describe("describeDecision", () => {
  it("says nothing more for a plain start or end", () => {
    expect(describeDecision({ outcome: "fired", reason: null, detail: {} }, names)).toBeNull();
    expect(describeDecision({ outcome: "ended", reason: null, detail: {} }, names)).toBeNull();
  });

  it("explains a skip on conditions with each rule's value and verdict", () => {
    const detail = {
      rules: [
        { sensor_id: 4, held: false, value: 31.25, reason: null },
        { sensor_id: 9, held: false, value: null, reason: "stale" },
      ],
    };
    expect(describeDecision({ outcome: "skipped", reason: "condition_false", detail: detail as never }, names)).toBe(
      "Its conditions did not hold. Soil moisture 31.3 % (did not hold); sensor 9 (did not hold: no recent reading).",
    );
  });

  it("names the schedule that won a conflict", () => {
    const detail = { winner_schedule_id: 2, winner: "Frost guard" };
    expect(describeDecision({ outcome: "skipped", reason: "conflict", detail: detail as never }, names)).toBe(
      "Another schedule, Frost guard, holds the output (higher priority).",
    );
  });

  it("tells whether a missed run was made up, and passes the engine's note on", () => {
    expect(
      describeDecision({ outcome: "missed", reason: null, detail: { caught_up: true } as never }, names),
    ).toMatch(/ran once as soon as it could/);
    expect(
      describeDecision(
        { outcome: "fired", reason: null, detail: { end: 1, note: "started late: the controller was not running" } as never },
        names,
      ),
    ).toBe("Started late: the controller was not running.");
  });

  it("never shows detail it cannot read", () => {
    expect(describeDecision({ outcome: "skipped", reason: null, detail: "oops" as never }, names)).toBeNull();
    expect(
      describeDecision({ outcome: "skipped", reason: null, detail: { rules: [1, { x: 2 }] } as never }, names),
    ).toBeNull();
  });
});
