import { describe, expect, it } from "vitest";
import type { Alarm } from "./api/list-alarms";
import { bySeverity, summarizeOpen } from "./alarm-words";

function alarm(id: number, severity: Alarm["severity"], acknowledged = false): Alarm {
  return {
    id,
    severity,
    message: `alarm ${id}`,
    raised_at: "2026-03-01T06:00:00.000Z",
    acknowledged_at: acknowledged ? "2026-03-01T06:05:00.000Z" : null,
    acknowledged_by: acknowledged ? "ada" : null,
    schedule_id: null,
  };
}

describe("bySeverity", () => {
  it("puts critical before warning before info, keeping the server's newest-first order within each", () => {
    const list = [alarm(5, "info"), alarm(4, "critical"), alarm(3, "warning"), alarm(2, "critical")];
    expect(bySeverity(list).map((a) => a.id)).toEqual([4, 2, 3, 5]);
  });
});

describe("summarizeOpen", () => {
  it("counts only unacknowledged alarms and mentions critical ones", () => {
    expect(summarizeOpen([alarm(1, "info", true)])).toBeNull();
    expect(summarizeOpen([alarm(1, "info")])).toBe("1 open alarm");
    expect(summarizeOpen([alarm(1, "critical"), alarm(2, "info"), alarm(3, "warning", true)])).toBe(
      "2 open alarms, 1 critical",
    );
  });
});
