import { describe, expect, it } from "vitest";
import type { Site } from "./api/get-site";
import { checkSiteForm, filterTimeZones, timeZoneList, toSiteUpdate, type SiteForm } from "./site-form";

const zones = ["America/Los_Angeles", "America/New_York", "Europe/Berlin", "Europe/Busingen", "UTC"];

const site: Site = {
  name: "Hill Farm",
  timezone: "Europe/Berlin",
  units: "metric",
  updated_at: "2026-03-01T06:00:00.000Z",
};

describe("filterTimeZones", () => {
  it("matches every typed word, in any part of the zone, ignoring case and underscores", () => {
    expect(filterTimeZones(zones, "los ang")).toEqual(["America/Los_Angeles"]);
    expect(filterTimeZones(zones, "new_york")).toEqual(["America/New_York"]);
    expect(filterTimeZones(zones, "EUROPE b")).toEqual(["Europe/Berlin", "Europe/Busingen"]);
  });

  it("puts zones whose city starts with the text first", () => {
    expect(filterTimeZones(["America/Belem", "Asia/Tel_Aviv", "Europe/Belgrade"], "bel")).toEqual([
      "America/Belem",
      "Europe/Belgrade",
    ]);
    expect(filterTimeZones(["Europe/Amsterdam", "America/Denver"], "am")).toEqual([
      "Europe/Amsterdam",
      "America/Denver",
    ]);
  });

  it("lists everything for an empty search and nothing for a miss", () => {
    expect(filterTimeZones(zones, "  ")).toEqual(zones);
    expect(filterTimeZones(zones, "Mars")).toEqual([]);
  });
});

describe("timeZoneList", () => {
  it("adds UTC and the current zone and sorts", () => {
    expect(timeZoneList(["Europe/Berlin", "America/Denver"], "Etc/GMT+5")).toEqual([
      "America/Denver",
      "Etc/GMT+5",
      "Europe/Berlin",
      "UTC",
    ]);
  });
});

describe("checkSiteForm", () => {
  const form: SiteForm = { name: "Hill Farm", timezone: "Europe/Berlin", units: "metric" };

  it("finds nothing wrong with a valid form", () => {
    expect(checkSiteForm(form, zones)).toEqual({});
  });

  it("names an empty or too long name and an unknown zone", () => {
    expect(checkSiteForm({ ...form, name: "  ", timezone: "CET-ish" }, zones)).toEqual({
      name: "is required",
      timezone: "must be an IANA time zone such as Europe/Berlin: pick one from the list",
    });
    expect(checkSiteForm({ ...form, name: "x".repeat(65) }, zones).name).toBe("must be at most 64 characters");
    expect(checkSiteForm({ ...form, name: "a\tb" }, zones).name).toBe("must not contain control characters");
  });

  it("leaves the zone to the server when the browser cannot list zones", () => {
    expect(checkSiteForm({ ...form, timezone: "Pacific/Kanton" }, [])).toEqual({});
  });
});

describe("toSiteUpdate", () => {
  it("sends only what changed, with the name trimmed", () => {
    expect(toSiteUpdate({ name: " Valley Farm ", timezone: "Europe/Berlin", units: "imperial" }, site)).toEqual({
      name: "Valley Farm",
      units: "imperial",
    });
    expect(toSiteUpdate({ name: "Hill Farm ", timezone: "Europe/Berlin", units: "metric" }, site)).toEqual({});
  });
});
