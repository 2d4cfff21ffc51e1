import type { components } from "../../api/schema";
import type { Site } from "./api/get-site";
import type { SiteUpdate } from "./api/update-site";

export type Units = components["schemas"]["Units"];

export const UNIT_LABELS: Record<Units, string> = {
  metric: "Metric",
  imperial: "Imperial",
};

export interface SiteForm {
  name: string;
  timezone: string;
  units: Units;
}

export const SITE_FORM_FIELDS = ["name", "timezone", "units"] as const;

/** As the server checks a name: 1 to 64 characters without control characters. */
const NAME_MAX = 64;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function siteToForm(site: Site): SiteForm {
  return { name: site.name, timezone: site.timezone, units: site.units };
}

/**
 * The IANA zones this browser knows, sorted, with `UTC` (which Intl leaves out)
 * and `current` (so a zone the browser lacks is still shown as chosen).
 */
export function timeZoneList(known: readonly string[], current: string): string[] {
  const all = new Set(known);
  all.add("UTC");
  if (current) all.add(current);
  return [...all].sort((a, b) => a.localeCompare(b));
}

/** This browser's list of IANA zones ([] where Intl cannot list them). */
export function browserTimeZones(): string[] {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return [];
  }
}

function searchable(text: string): string {
  return text.toLowerCase().replace(/[_\s]+/g, " ").trim();
}

/**
 * Zones matching what was typed: every word must occur ("los ang", "europe
 * berlin", "new_york" all work). A zone whose city starts with the text comes
 * first, then the rest in list order.
 */
export function filterTimeZones(zones: readonly string[], query: string): string[] {
  const wanted = searchable(query);
  if (wanted === "") return [...zones];
  const words = wanted.split(" ");
  const matches = zones.filter((zone) => {
    const text = searchable(zone.replace(/\//g, " "));
    return words.every((w) => text.includes(w));
  });
  const cityStarts = (zone: string) => searchable(zone.slice(zone.lastIndexOf("/") + 1)).startsWith(wanted);
  return [...matches.filter(cityStarts), ...matches.filter((z) => !cityStarts(z))];
}

/** Problems visible before sending, by API field name (empty when none). */
export function checkSiteForm(form: SiteForm, zones: readonly string[]): Record<string, string> {
  const problems: Record<string, string> = {};
  const name = form.name.trim();
  if (name === "") problems.name = "is required";
  else if ([...name].length > NAME_MAX) problems.name = `must be at most ${NAME_MAX} characters`;
  else if (CONTROL.test(name)) problems.name = "must not contain control characters";
  // Only when the browser knows its zones: otherwise the server is the judge.
  if (form.timezone === "") problems.timezone = "is required";
  else if (zones.length > 0 && !zones.includes(form.timezone)) {
    problems.timezone = "must be an IANA time zone such as Europe/Berlin: pick one from the list";
  }
  return problems;
}

/** The PATCH body: only what differs from `site`, so an unchanged field is not re-sent. */
export function toSiteUpdate(form: SiteForm, site: Site): SiteUpdate {
  const body: SiteUpdate = {};
  const name = form.name.trim();
  if (name !== site.name) body.name = name;
  if (form.timezone !== site.timezone) body.timezone = form.timezone;
  if (form.units !== site.units) body.units = form.units;
  return body;
}
