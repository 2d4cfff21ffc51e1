import { describe, expect, it } from "vitest";
import {
  columnsOf,
  describeResolution,
  gapThresholdMs,
  pickSensors,
  shapeCharts,
  type Series,
  type SensorMeta,
} from "./shape-series";

const T0 = Date.parse("2026-03-01T00:00:00.000Z");
const s = (ms: number) => (T0 + ms) / 1000;

function point(offsetMs: number, avg: number, min = avg - 1, max = avg + 1) {
  return { ts: new Date(T0 + offsetMs).toISOString(), min, max, avg, count: 10 };
}

function bucketed(sensorId: number, points: ReturnType<typeof point>[], bucketMs = 60_000): Series {
  return { sensor_id: sensorId, resolution: "bucketed", bucket_ms: bucketMs, points };
}

const airTemp: SensorMeta = { id: 1, name: "Air temperature", unit: "°C", intervalS: 10 };
const barnTemp: SensorMeta = { id: 8, name: "Barn temperature", unit: "°C", intervalS: 10 };
const humidity: SensorMeta = { id: 2, name: "Air humidity", unit: "%", intervalS: 10 };

describe("shapeCharts", () => {
  it("lays out x in seconds, then avg, min, max for the band", () => {
    const [chart] = shapeCharts([bucketed(1, [point(0, 10), point(60_000, 12, 11, 14)])], [airTemp]);
    expect(chart?.data).toEqual([[s(0), s(60_000)], [10, 12], [9, 11], [11, 14]]);
    expect(columnsOf(0)).toEqual({ avg: 1, min: 2, max: 3 });
    expect(chart?.points).toBe(2);
  });

  it("puts sensors of one unit on one chart and each unit on its own, in the order chosen", () => {
    const charts = shapeCharts(
      [bucketed(1, [point(0, 10)]), bucketed(2, [point(0, 70)]), bucketed(8, [point(0, 5)])],
      [humidity, airTemp, barnTemp],
    );
    expect(charts.map((c) => [c.unit, c.sensors.map((m) => m.id)])).toEqual([
      ["%", [2]],
      ["°C", [1, 8]],
    ]);
    expect(columnsOf(1)).toEqual({ avg: 4, min: 5, max: 6 });
  });

  it("aligns sensors measured at different times with undefined, which uPlot runs the line through", () => {
    const [chart] = shapeCharts(
      [
        { sensor_id: 1, resolution: "raw", bucket_ms: 0, points: [point(0, 1, 1, 1), point(10_000, 2, 2, 2)] },
        { sensor_id: 8, resolution: "raw", bucket_ms: 0, points: [point(5_000, 7, 7, 7)] },
      ],
      [airTemp, barnTemp],
    );
    expect(chart?.data[0]).toEqual([s(0), s(5_000), s(10_000)]);
    expect(chart?.data[1]).toEqual([1, undefined, 2]);
    expect(chart?.data[4]).toEqual([undefined, 7, undefined]);
  });

  it("breaks the line with null where buckets are missing", () => {
    const [chart] = shapeCharts([bucketed(1, [point(0, 1), point(60_000, 2), point(300_000, 3)])], [airTemp]);
    expect(chart?.data[0]).toEqual([s(0), s(60_000), s(180_000), s(300_000)]);
    expect(chart?.data[1]).toEqual([1, 2, null, 3]);
    expect(chart?.data[3]).toEqual([2, 3, null, 4]);
  });

  it("leaves out sensors the server did not answer for, and charts nothing without series", () => {
    expect(shapeCharts([bucketed(1, [point(0, 1)])], [airTemp, humidity]).map((c) => c.unit)).toEqual(["°C"]);
    expect(shapeCharts([], [airTemp])).toEqual([]);
  });

  it("counts an answered sensor without points as nothing to draw", () => {
    const [chart] = shapeCharts([bucketed(1, [])], [airTemp]);
    expect(chart?.points).toBe(0);
    expect(chart?.data).toEqual([[], [], [], []]);
  });
});

describe("gapThresholdMs", () => {
  it("allows a missing bucket and a half, or three reporting intervals for raw readings", () => {
    expect(gapThresholdMs({ bucket_ms: 1_800_000 }, 10)).toBe(2_700_000);
    expect(gapThresholdMs({ bucket_ms: 0 }, 60)).toBe(180_000);
  });
});

describe("describeResolution", () => {
  it("says what a point is", () => {
    expect(describeResolution({ resolution: "raw", bucket_ms: 0 })).toBe("every reading");
    expect(describeResolution({ resolution: "bucketed", bucket_ms: 1_800_000 })).toBe(
      "30 min averages, band from lowest to highest reading",
    );
    expect(describeResolution({ resolution: "hourly", bucket_ms: 39_600_000 })).toMatch(/^11 h averages from hourly/);
  });
});

describe("pickSensors", () => {
  const sensors = [
    { id: 1, name: "Air temperature", unit: "°C", interval_s: 10 },
    { id: 2, name: "Air humidity", unit: "%", interval_s: 60 },
  ];

  it("keeps the chosen order and drops ids that do not exist", () => {
    expect(pickSensors(sensors, "2,9,1").map((s) => s.id)).toEqual([2, 1]);
    expect(pickSensors(sensors, "2")).toEqual([{ id: 2, name: "Air humidity", unit: "%", intervalS: 60 }]);
  });

  it("opens on the first sensor when none is chosen", () => {
    expect(pickSensors(sensors, null).map((s) => s.id)).toEqual([1]);
    expect(pickSensors([], null)).toEqual([]);
  });
});
