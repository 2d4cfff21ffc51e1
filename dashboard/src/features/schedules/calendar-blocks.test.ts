import { describe, expect, it } from "vitest";
import {
  blockFromRange,
  calendarQueryRange,
  describeBlock,
  findBlockIndex,
  floatingNow,
  parseLocal,
  replaceBlock,
  upcomingFirings,
  type Block,
} from "./calendar-blocks";

// 2026-03-02 is a Monday.
const at = (local: string) => parseLocal(local);

describe("blockFromRange", () => {
  it("turns a drag from Mon 22:00 to Tue 02:00 into an overnight Monday block", () => {
    expect(blockFromRange(at("2026-03-02T22:00"), at("2026-03-03T02:00"))).toEqual({
      day: "mon",
      start: "22:00",
      end: "02:00",
    });
  });

  it("wraps from Sunday into Monday", () => {
    expect(blockFromRange(at("2026-03-08T23:00"), at("2026-03-09T01:30"))).toEqual({
      day: "sun",
      start: "23:00",
      end: "01:30",
    });
  });

  it("ends at midnight as 00:00", () => {
    expect(blockFromRange(at("2026-03-04T20:00"), at("2026-03-05T00:00"))).toEqual({
      day: "wed",
      start: "20:00",
      end: "00:00",
    });
  });

  it("snaps to 15 minutes", () => {
    expect(blockFromRange(at("2026-03-06T06:07"), at("2026-03-06T07:53"))).toEqual({
      day: "fri",
      start: "06:00",
      end: "08:00",
    });
    // 06:08 is nearer 06:15; a start snapping across midnight moves the day too.
    expect(blockFromRange(at("2026-03-06T06:08"), at("2026-03-06T07:00"))?.start).toBe("06:15");
    expect(blockFromRange(at("2026-03-06T23:55"), at("2026-03-07T01:00"))).toEqual({
      day: "sat",
      start: "00:00",
      end: "01:00",
    });
  });

  it("refuses an empty block and one of 24 hours or more", () => {
    expect(blockFromRange(at("2026-03-06T06:00"), at("2026-03-06T06:05"))).toBeNull();
    expect(blockFromRange(at("2026-03-06T06:00"), at("2026-03-07T06:00"))).toBeNull();
  });
});

describe("findBlockIndex", () => {
  const blocks: Block[] = [
    { day: "mon", start: "06:00", end: "08:00" },
    { day: "wed", start: "06:00", end: "08:00" },
    { day: "sun", start: "22:00", end: "02:00" },
  ];

  it("finds the block by the day and time the event started", () => {
    expect(findBlockIndex(blocks, at("2026-03-04T06:00"))).toBe(1);
    expect(findBlockIndex(blocks, at("2026-03-08T22:00"))).toBe(2);
  });

  it("does not guess among several blocks, but a single block is that one", () => {
    expect(findBlockIndex(blocks, at("2026-03-04T07:00"))).toBeNull();
    expect(findBlockIndex([blocks[0]!], at("2026-03-04T07:00"))).toBe(0);
  });

  it("changes only the dragged block", () => {
    const moved = replaceBlock(blocks, 1, { day: "thu", start: "07:00", end: "09:00" });
    expect(moved).toEqual([blocks[0], { day: "thu", start: "07:00", end: "09:00" }, blocks[2]]);
  });
});

describe("the rest", () => {
  it("describes an overnight block", () => {
    expect(describeBlock({ day: "mon", start: "22:00", end: "02:00" })).toBe("mon 22:00–02:00 (next day)");
  });

  it("asks for a day more on both sides of the visible week", () => {
    expect(calendarQueryRange(at("2026-03-02T00:00"), at("2026-03-09T00:00"))).toEqual({
      from: "2026-03-01T00:00:00.000Z",
      to: "2026-03-10T00:00:00.000Z",
    });
  });

  it("gives the site's wall-clock time as a floating date", () => {
    const now = new Date("2026-07-01T12:00:00Z");
    expect(floatingNow("America/Los_Angeles", now).toISOString()).toBe("2026-07-01T05:00:00.000Z");
    expect(floatingNow("Europe/Berlin", now).toISOString()).toBe("2026-07-01T14:00:00.000Z");
  });
});

describe("upcomingFirings", () => {
  const firing = (name: string, start: string, end: string) => ({
    schedule_id: 1,
    schedule_name: name,
    enabled: true,
    priority: 0,
    timezone: "UTC",
    start,
    end,
    start_local: start.slice(0, 16),
    end_local: end.slice(0, 16),
    notes: [],
  });
  it("keeps running and later firings, soonest first, up to the count", () => {
    const now = Date.parse("2026-03-02T10:00:00Z");
    const list = [
      firing("later", "2026-03-02T15:00:00Z", "2026-03-02T16:00:00Z"),
      firing("over", "2026-03-02T08:00:00Z", "2026-03-02T09:00:00Z"),
      firing("running", "2026-03-02T09:30:00Z", "2026-03-02T10:30:00Z"),
      firing("next", "2026-03-02T11:00:00Z", "2026-03-02T12:00:00Z"),
    ];
    expect(upcomingFirings(list, now, 2).map((f) => f.schedule_name)).toEqual(["running", "next"]);
  });
});
