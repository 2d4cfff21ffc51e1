import { describe, expect, it } from "vitest";
import {
  filterFromParams,
  filterToParams,
  filterToQuery,
  isFiltered,
  localToRfc3339,
  NO_FILTER,
  rangeProblem,
} from "./action-log-filter";

/** The instant of a local wall-clock time, whatever zone the tests run in. */
const local = (y: number, mo: number, d: number, h: number, mi: number, s = 0) =>
  new Date(y, mo - 1, d, h, mi, s).toISOString();

describe("filterFromParams", () => {
  it("reads schedule, output and outcome from the address", () => {
    expect(filterFromParams(new URLSearchParams("schedule=3&output=12&outcome=skipped"))).toEqual({
      scheduleId: 3,
      outputId: 12,
      outcome: "skipped",
      from: null,
      to: null,
    });
  });

  it("reads the time range as the local times picked", () => {
    const filter = filterFromParams(new URLSearchParams("from=2026-03-01T06:00&to=2026-03-02T18:30:15"));
    expect([filter.from, filter.to]).toEqual(["2026-03-01T06:00", "2026-03-02T18:30:15"]);
  });

  it("ignores times that are not local date-times", () => {
    for (const bad of ["yesterday", "2026-03-01", "2026-03-01T06:00Z", "2026-13-01T06:00", "2026-03-01T25:00"]) {
      expect(filterFromParams(new URLSearchParams({ from: bad, to: bad }))).toEqual(NO_FILTER);
    }
  });

  it("ignores what the API would refuse: ids that are not positive integers, unknown outcomes", () => {
    expect(filterFromParams(new URLSearchParams("schedule=0&output=1.5&outcome=exploded"))).toEqual(NO_FILTER);
    expect(filterFromParams(new URLSearchParams("schedule=-2&output=abc"))).toEqual(NO_FILTER);
  });
});

describe("filterToParams", () => {
  it("sets what is chosen, drops what is not and keeps unrelated parameters", () => {
    const before = new URLSearchParams("outcome=fired&tab=x");
    const after = filterToParams({ ...NO_FILTER, scheduleId: 4 }, before);
    expect(after.toString()).toBe("tab=x&schedule=4");
    expect(before.toString()).toBe("outcome=fired&tab=x");
  });

  it("round-trips through the address", () => {
    const filter = { scheduleId: 9, outputId: 2, outcome: "missed" as const, from: "2026-03-01T06:00", to: null };
    expect(filterFromParams(filterToParams(filter))).toEqual(filter);
  });
});

describe("filterToQuery", () => {
  it("sends only the filters that are set, with the page size and cursor", () => {
    expect(filterToQuery(NO_FILTER, { limit: 50, cursor: null })).toEqual({ limit: 50 });
    expect(
      filterToQuery({ scheduleId: 3, outputId: 7, outcome: "fired", from: null, to: null }, { limit: 50, cursor: 120 }),
    ).toEqual({
      limit: 50,
      schedule_id: 3,
      output_id: 7,
      outcome: "fired",
      cursor: 120,
    });
  });
});

describe("the time range", () => {
  it("sends local times as RFC 3339 UTC instants", () => {
    const filter = { ...NO_FILTER, from: "2026-03-01T06:00", to: "2026-03-01T18:30:15" };
    expect(filterToQuery(filter, { limit: 50, cursor: 7 })).toEqual({
      limit: 50,
      from: local(2026, 3, 1, 6, 0),
      to: local(2026, 3, 1, 18, 30, 15),
      cursor: 7,
    });
    expect(localToRfc3339("2026-03-01T06:00")).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\.000Z$/);
  });

  it("sends either bound alone", () => {
    expect(filterToQuery({ ...NO_FILTER, to: "2026-03-01T06:00" }, { limit: 50, cursor: null })).toEqual({
      limit: 50,
      to: local(2026, 3, 1, 6, 0),
    });
  });

  it("is a problem only when the end is not after the start", () => {
    expect(rangeProblem({ from: "2026-03-01T06:00", to: "2026-03-01T06:00" })).toBe("The end must be after the start.");
    expect(rangeProblem({ from: "2026-03-01T06:00", to: "2026-02-28T23:59" })).not.toBeNull();
    expect(rangeProblem({ from: "2026-03-01T06:00", to: "2026-03-01T06:01" })).toBeNull();
    expect(rangeProblem({ from: "2026-03-01T06:00", to: null })).toBeNull();
    expect(rangeProblem({ from: null, to: "2026-03-01T06:00" })).toBeNull();
  });
});

describe("isFiltered", () => {
  it("is false only when nothing is chosen", () => {
    expect(isFiltered(NO_FILTER)).toBe(false);
    expect(isFiltered({ ...NO_FILTER, outcome: "ended" })).toBe(true);
    expect(isFiltered({ ...NO_FILTER, to: "2026-03-01T06:00" })).toBe(true);
  });
});
