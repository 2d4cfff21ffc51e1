import { describe, expect, it } from "vitest";
import { filterFromParams, filterToParams, filterToQuery, isFiltered, NO_FILTER } from "./action-log-filter";

describe("filterFromParams", () => {
  it("reads schedule, output and outcome from the address", () => {
    expect(filterFromParams(new URLSearchParams("schedule=3&output=12&outcome=skipped"))).toEqual({
      scheduleId: 3,
      outputId: 12,
      outcome: "skipped",
    });
  });

  it("ignores what the API would refuse: ids that are not positive integers, unknown outcomes", () => {
    expect(filterFromParams(new URLSearchParams("schedule=0&output=1.5&outcome=exploded"))).toEqual(NO_FILTER);
    expect(filterFromParams(new URLSearchParams("schedule=-2&output=abc"))).toEqual(NO_FILTER);
  });
});

describe("filterToParams", () => {
  it("sets what is chosen, drops what is not and keeps unrelated parameters", () => {
    const before = new URLSearchParams("outcome=fired&tab=x");
    const after = filterToParams({ scheduleId: 4, outputId: null, outcome: null }, before);
    expect(after.toString()).toBe("tab=x&schedule=4");
    expect(before.toString()).toBe("outcome=fired&tab=x");
  });

  it("round-trips through the address", () => {
    const filter = { scheduleId: 9, outputId: 2, outcome: "missed" as const };
    expect(filterFromParams(filterToParams(filter))).toEqual(filter);
  });
});

describe("filterToQuery", () => {
  it("sends only the filters that are set, with the page size and cursor", () => {
    expect(filterToQuery(NO_FILTER, { limit: 50, cursor: null })).toEqual({ limit: 50 });
    expect(filterToQuery({ scheduleId: 3, outputId: 7, outcome: "fired" }, { limit: 50, cursor: 120 })).toEqual({
      limit: 50,
      schedule_id: 3,
      output_id: 7,
      outcome: "fired",
      cursor: 120,
    });
  });
});

describe("isFiltered", () => {
  it("is false only when nothing is chosen", () => {
    expect(isFiltered(NO_FILTER)).toBe(false);
    expect(isFiltered({ ...NO_FILTER, outcome: "ended" })).toBe(true);
  });
});
