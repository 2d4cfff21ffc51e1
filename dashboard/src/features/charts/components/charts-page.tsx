import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useSearchParams } from "react-router";
import { ErrorMessage } from "../../../components/error-message";
import { PageHeader } from "../../../components/page-header";
import { usePageTitle } from "../../../lib/use-page-title";
import { useDashboardState } from "../../live-state";
import { chartQueryOptions } from "../api/query-metrics";
import {
  MAX_SENSORS,
  parseRange,
  RANGE_PRESETS,
  withRange,
  withSensorIds,
  zoomRange,
  type ChartRange,
} from "../ranges";
import { describeResolution, pickSensors, shapeCharts } from "../shape-series";
import { MetricChart } from "./metric-chart";
import { SensorPicker } from "./sensor-picker";

/** Distinct on light and dark backgrounds; a sensor keeps its colour while it stays chosen. */
const PALETTE = ["#2e8540", "#1f6fb2", "#d1641c", "#8e44ad", "#b8860b", "#12898c", "#c0392b", "#6b7a8f"];

function describeZoom(range: ChartRange, timezone: string): string {
  if (range.kind === "preset") return "";
  const format = (ms: number) =>
    new Date(ms).toLocaleString(undefined, { timeZone: timezone, dateStyle: "medium", timeStyle: "short" });
  return `${format(range.fromMs)} – ${format(range.toMs)}`;
}

function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Sensor charts: choose sensors and a range; drag across a chart to zoom in. */
export function ChartsPage() {
  usePageTitle("Charts");
  const [params, setParams] = useSearchParams();
  const state = useDashboardState();
  const range = parseRange(params);
  const sensors = state.data?.sensors;
  const timezone = state.data?.site.timezone ?? "UTC";
  const chosenParam = params.get("sensors");
  const metas = useMemo(() => pickSensors(sensors ?? [], chosenParam), [sensors, chosenParam]);
  const ids = metas.map((m) => m.id);

  const chart = useQuery(chartQueryOptions(metas.map((m) => m.id), range));
  const groups = useMemo(() => (chart.data ? shapeCharts(chart.data.series, metas) : []), [chart.data, metas]);
  const colorOf = (id: number) => PALETTE[Math.max(0, ids.indexOf(id)) % PALETTE.length]!;

  const setRange = (next: ChartRange) => setParams(withRange(params, next));
  const setSensors = (next: number[]) => setParams(withSensorIds(params, next), { replace: true });
  const zoomed = range.kind === "custom";

  if (state.isError && !state.data) {
    return <ErrorMessage error={state.error} onRetry={() => void state.refetch()} retrying={state.isFetching} />;
  }

  return (
    <>
      <PageHeader
        title="Charts"
        subtitle={
          zoomed
            ? `Zoomed in: ${describeZoom(range, timezone)}. Pick a range to zoom out.`
            : "Drag across a chart to zoom in."
        }
      />
      <div className="charts-layout">
        <div className="charts-main">
          <div className="toolbar" role="group" aria-label="Time range">
            {RANGE_PRESETS.map((preset) => {
              const active = range.kind === "preset" && range.preset === preset.key;
              return (
                <button
                  key={preset.key}
                  type="button"
                  className={active ? "segment segment--active" : "segment"}
                  aria-pressed={active}
                  onClick={() => setRange({ kind: "preset", preset: preset.key })}
                >
                  {preset.label}
                </button>
              );
            })}
            {chart.isFetching && <span className="muted small">Loading…</span>}
          </div>

          {chart.isError && (
            <ErrorMessage error={chart.error} onRetry={() => void chart.refetch()} retrying={chart.isFetching} />
          )}
          {metas.length === 0 && state.data && <p className="card muted">Choose a sensor to chart.</p>}
          {chart.isPending && metas.length > 0 && <div className="card chart-card chart-card--loading">Loading readings…</div>}

          {chart.data &&
            groups.map((group) => (
              <section className="card chart-card" key={group.unit} aria-label={`Chart in ${group.unit || "no unit"}`}>
                <h2 className="card__title">
                  {group.sensors.map((s) => s.name).join(", ")} <span className="muted">{group.unit}</span>
                </h2>
                <p className="muted small">
                  {[...new Set(group.resolutions.map(describeResolution))].join("; ")}
                  {timezone !== browserZone() && `. Times in ${timezone}, the farm's time zone`}
                </p>
                {group.points === 0 ? (
                  <p className="chart-card__empty">No readings in this range.</p>
                ) : (
                  <MetricChart
                    key={`${group.sensors.map((s) => s.id).join(",")}|${timezone}`}
                    group={group}
                    colors={group.sensors.map((s) => colorOf(s.id))}
                    fromMs={chart.data.fromMs}
                    toMs={chart.data.toMs}
                    timezone={timezone}
                    onZoom={(from, to) => setRange(zoomRange(from, to))}
                  />
                )}
              </section>
            ))}
        </div>

        <SensorPicker
          sensors={sensors ?? []}
          nodes={state.data?.nodes ?? []}
          chosen={ids}
          max={MAX_SENSORS}
          colorOf={colorOf}
          onChange={setSensors}
        />
      </div>
    </>
  );
}
