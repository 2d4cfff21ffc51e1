import type uPlot from "uplot";
import type { components } from "../../api/schema";
import { parseSensorIds } from "./ranges";

export type Series = components["schemas"]["Series"];
export type Point = components["schemas"]["Point"];
type Sensor = components["schemas"]["Sensor"];

/** What the chart knows about a sensor besides its points. */
export interface SensorMeta {
  id: number;
  name: string;
  unit: string;
  /** Seconds between readings: raw points further apart than three of these are a gap. */
  intervalS: number;
}

/**
 * The sensors to chart from `?sensors=…` (see parseSensorIds), in the order
 * chosen, leaving out ids that do not exist; the first sensor when none is
 * chosen, so the page never opens empty.
 */
export function pickSensors(
  sensors: readonly Pick<Sensor, "id" | "name" | "unit" | "interval_s">[],
  sensorsParam: string | null,
): SensorMeta[] {
  const byId = new Map(sensors.map((s) => [s.id, s]));
  const chosen = parseSensorIds(new URLSearchParams(sensorsParam === null ? {} : { sensors: sensorsParam }));
  const picked = (chosen.length > 0 ? chosen : sensors.slice(0, 1).map((s) => s.id))
    .map((id) => byId.get(id))
    .filter((s) => s !== undefined);
  return picked.map((s) => ({ id: s.id, name: s.name, unit: s.unit, intervalS: s.interval_s }));
}

/** One chart: the sensors sharing a unit, on one y scale, as uPlot data. */
export interface ChartGroup {
  unit: string;
  sensors: SensorMeta[];
  /**
   * [x (epoch seconds), then per sensor avg, min, max]. `null` is a gap (no
   * readings there: the line breaks); `undefined` is "this sensor has no point
   * at another sensor's time" (the line runs through).
   */
  data: uPlot.AlignedData;
  /** How the server summarised each sensor's readings, in the same order. */
  resolutions: Pick<Series, "resolution" | "bucket_ms">[];
  /** Points received, all sensors together (0: nothing to draw). */
  points: number;
}

/** Index of a sensor's avg, min and max columns in ChartGroup.data. */
export function columnsOf(sensorIndex: number): { avg: number; min: number; max: number } {
  const base = 1 + sensorIndex * 3;
  return { avg: base, min: base + 1, max: base + 2 };
}

/**
 * How far apart two points may be before the chart shows a gap between them:
 * a missing bucket and a half, or (raw readings) three reporting intervals,
 * the API's own rule for a stale sensor.
 */
export function gapThresholdMs(series: Pick<Series, "bucket_ms">, intervalS: number): number {
  if (series.bucket_ms > 0) return series.bucket_ms * 1.5;
  return Math.max(3 * intervalS * 1000, 1000);
}

type Mark = Point | null;

/** Points by time in seconds, with a `null` between two points a gap apart. */
export function withGaps(series: Series, intervalS: number): Map<number, Mark> {
  const threshold = gapThresholdMs(series, intervalS);
  const marks = new Map<number, Mark>();
  let previous: number | null = null;
  for (const point of series.points) {
    const t = Date.parse(point.ts);
    if (Number.isNaN(t)) continue;
    if (previous !== null && t - previous > threshold) marks.set((previous + t) / 2 / 1000, null);
    marks.set(t / 1000, point);
    previous = t;
  }
  return marks;
}

/** The series answered for `sensors`, grouped by unit (in the order chosen) and aligned for uPlot. */
export function shapeCharts(series: readonly Series[], sensors: readonly SensorMeta[]): ChartGroup[] {
  const answered = new Map(series.map((s) => [s.sensor_id, s]));
  const units: string[] = [];
  for (const sensor of sensors) {
    if (answered.has(sensor.id) && !units.includes(sensor.unit)) units.push(sensor.unit);
  }
  return units.map((unit) => {
    const members = sensors.filter((s) => s.unit === unit && answered.has(s.id));
    const columns = members.map((m) => withGaps(answered.get(m.id)!, m.intervalS));
    const xs = [...new Set(columns.flatMap((c) => [...c.keys()]))].sort((a, b) => a - b);
    const data: uPlot.AlignedData = [xs];
    for (const column of columns) {
      const pick = (value: (p: Point) => number) =>
        xs.map((x) => {
          const mark = column.get(x);
          return mark === undefined ? undefined : mark === null ? null : value(mark);
        });
      data.push(
        pick((p) => p.avg),
        pick((p) => p.min),
        pick((p) => p.max),
      );
    }
    return {
      unit,
      sensors: members,
      data,
      resolutions: members.map((m) => {
        const { resolution, bucket_ms } = answered.get(m.id)!;
        return { resolution, bucket_ms };
      }),
      points: members.reduce((n, m) => n + answered.get(m.id)!.points.length, 0),
    };
  });
}

function describeBucket(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `${Math.round(ms / 1000)} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} d`;
}

/** What the points are, for the line under a chart. */
export function describeResolution(resolution: Pick<Series, "resolution" | "bucket_ms">): string {
  switch (resolution.resolution) {
    case "raw":
      return "every reading";
    case "bucketed":
      return `${describeBucket(resolution.bucket_ms)} averages, band from lowest to highest reading`;
    case "hourly":
      return `${describeBucket(resolution.bucket_ms)} averages from hourly summaries, band from lowest to highest`;
  }
}
