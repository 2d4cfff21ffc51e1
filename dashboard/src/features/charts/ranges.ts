/**
 * The time range of the charts page, kept in the address so a chart can be
 * bookmarked and Back undoes a zoom: `?range=7d` for a preset that follows the
 * clock, `?from=…&to=…` (RFC 3339) for a zoomed-in stretch.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const RANGE_PRESETS = [
  { key: "1h", label: "1 h", ms: HOUR },
  { key: "24h", label: "24 h", ms: DAY },
  { key: "7d", label: "7 d", ms: 7 * DAY },
  { key: "30d", label: "30 d", ms: 30 * DAY },
  { key: "1y", label: "1 y", ms: 365 * DAY },
] as const;

export type PresetKey = (typeof RANGE_PRESETS)[number]["key"];

export type ChartRange = { kind: "preset"; preset: PresetKey } | { kind: "custom"; fromMs: number; toMs: number };

const DEFAULT_PRESET: PresetKey = "24h";
export const DEFAULT_RANGE: ChartRange = { kind: "preset", preset: DEFAULT_PRESET };

/** A zoom never goes below this: a narrower drag is widened around its middle. */
export const MIN_SPAN_MS = MINUTE;

/** /api/metrics/query takes up to 16 sensors at once. */
export const MAX_SENSORS = 16;

function presetByKey(key: string | null) {
  return RANGE_PRESETS.find((p) => p.key === key);
}

/** A dragged stretch as a range, at least MIN_SPAN_MS wide. */
export function zoomRange(fromMs: number, toMs: number): ChartRange {
  const start = Math.min(fromMs, toMs);
  const end = Math.max(fromMs, toMs);
  if (end - start >= MIN_SPAN_MS) return { kind: "custom", fromMs: Math.round(start), toMs: Math.round(end) };
  const middle = (start + end) / 2;
  return { kind: "custom", fromMs: Math.round(middle - MIN_SPAN_MS / 2), toMs: Math.round(middle + MIN_SPAN_MS / 2) };
}

/** The range in the address; the default (last 24 h) when it names none or nonsense. */
export function parseRange(params: URLSearchParams): ChartRange {
  const from = params.get("from");
  const to = params.get("to");
  if (from && to) {
    const fromMs = Date.parse(from);
    const toMs = Date.parse(to);
    if (Number.isFinite(fromMs) && Number.isFinite(toMs) && toMs > fromMs) return zoomRange(fromMs, toMs);
  }
  const preset = presetByKey(params.get("range"));
  return preset ? { kind: "preset", preset: preset.key } : DEFAULT_RANGE;
}

/** `params` with `range` written into it (other parameters kept). */
export function withRange(params: URLSearchParams, range: ChartRange): URLSearchParams {
  const next = new URLSearchParams(params);
  next.delete("from");
  next.delete("to");
  next.delete("range");
  if (range.kind === "custom") {
    next.set("from", new Date(range.fromMs).toISOString());
    next.set("to", new Date(range.toMs).toISOString());
  } else if (range.preset !== DEFAULT_PRESET) {
    next.set("range", range.preset);
  }
  return next;
}

/** The instants a range covers now: a preset ends at `nowMs`. */
export function resolveRange(range: ChartRange, nowMs: number): { fromMs: number; toMs: number } {
  if (range.kind === "custom") return { fromMs: range.fromMs, toMs: range.toMs };
  const preset = presetByKey(range.preset) ?? RANGE_PRESETS[1];
  return { fromMs: nowMs - preset.ms, toMs: nowMs };
}

/** A stable key for the range, for query keys: presets by name so they follow the clock. */
export function rangeKey(range: ChartRange): string {
  return range.kind === "preset" ? range.preset : `${range.fromMs}-${range.toMs}`;
}

/** Sensor ids from `?sensors=3,4,7`: positive integers, each once, at most MAX_SENSORS. */
export function parseSensorIds(params: URLSearchParams): number[] {
  const ids: number[] = [];
  for (const part of (params.get("sensors") ?? "").split(",")) {
    const text = part.trim();
    if (!/^[1-9][0-9]{0,15}$/.test(text)) continue;
    const id = Number(text);
    if (Number.isSafeInteger(id) && !ids.includes(id)) ids.push(id);
    if (ids.length === MAX_SENSORS) break;
  }
  return ids;
}

/** `params` with the chosen sensors written into it. */
export function withSensorIds(params: URLSearchParams, ids: readonly number[]): URLSearchParams {
  const next = new URLSearchParams(params);
  if (ids.length === 0) next.delete("sensors");
  else next.set("sensors", ids.slice(0, MAX_SENSORS).join(","));
  return next;
}
