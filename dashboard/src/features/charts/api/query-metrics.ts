import { keepPreviousData, queryOptions, useQueries } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import { MAX_SENSORS, rangeKey, resolveRange, type ChartRange } from "../ranges";
import type { Series } from "../shape-series";

export interface MetricsRequest {
  sensorIds: readonly number[];
  fromMs: number;
  toMs: number;
  maxPoints: number;
}

/** GET /api/metrics/query: one series per sensor, in the order asked, at most `maxPoints` points each. */
export async function queryMetrics(request: MetricsRequest, signal?: AbortSignal): Promise<Series[]> {
  const answer = await call(
    api.GET("/api/metrics/query", {
      params: {
        query: {
          sensor_id: request.sensorIds.join(","),
          from: new Date(request.fromMs).toISOString(),
          to: new Date(request.toMs).toISOString(),
          max_points: request.maxPoints,
        },
      },
      signal,
    }),
  );
  return answer.items;
}

/** Enough points for a wide screen; uPlot folds what falls on one pixel. */
const CHART_POINTS = 600;

/**
 * The charts page's data. A preset is resolved when fetched, so each refetch
 * moves the window to the present; a zoomed range stays put.
 */
export function chartQueryOptions(sensorIds: readonly number[], range: ChartRange) {
  return queryOptions({
    queryKey: ["metrics", "chart", sensorIds.join(","), rangeKey(range)],
    queryFn: async ({ signal }) => {
      const span = resolveRange(range, Date.now());
      const series = await queryMetrics({ sensorIds, ...span, maxPoints: CHART_POINTS }, signal);
      return { series, ...span };
    },
    enabled: sensorIds.length > 0,
    // While a new range loads, keep showing the old one instead of an empty box.
    placeholderData: keepPreviousData,
    refetchInterval: range.kind === "preset" ? 60_000 : false,
  });
}

export const SPARKLINE_HOURS = 24;
const SPARKLINE_POINTS = 48;

/** The last 24 h of up to 16 sensors in 48 points each, for the overview's sparklines. */
export function sparklineQueryOptions(sensorIds: readonly number[]) {
  return queryOptions({
    queryKey: ["metrics", "sparkline", sensorIds.join(",")],
    queryFn: async ({ signal }) => {
      const toMs = Date.now();
      const fromMs = toMs - SPARKLINE_HOURS * 3_600_000;
      const series = await queryMetrics({ sensorIds, fromMs, toMs, maxPoints: SPARKLINE_POINTS }, signal);
      return { series, fromMs, toMs };
    },
    staleTime: 5 * 60_000,
    refetchInterval: 5 * 60_000,
  });
}

export interface Sparkline {
  series: Series;
  fromMs: number;
  toMs: number;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Sparklines for any number of sensors, 16 per request; a sensor's entry is missing until it loaded. */
export function useSparklines(sensorIds: readonly number[]): Map<number, Sparkline> {
  return useQueries({
    queries: chunks(sensorIds, MAX_SENSORS).map((ids) => sparklineQueryOptions(ids)),
    combine: (results) => {
      const map = new Map<number, Sparkline>();
      for (const result of results) {
        if (!result.data) continue;
        const { series, fromMs, toMs } = result.data;
        for (const s of series) map.set(s.sensor_id, { series: s, fromMs, toMs });
      }
      return map;
    },
  });
}
