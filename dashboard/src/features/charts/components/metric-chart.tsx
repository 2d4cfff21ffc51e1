import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { fractionDigits, formatValue } from "../../../lib/format";
import { columnsOf, type ChartGroup } from "../shape-series";

export interface MetricChartProps {
  group: ChartGroup;
  /** One colour per sensor of the group. */
  colors: readonly string[];
  fromMs: number;
  toMs: number;
  /** The site's IANA time zone: the time axis shows farm time. */
  timezone: string;
  /** A stretch dragged across the chart, to load at a finer resolution. */
  onZoom: (fromMs: number, toMs: number) => void;
}

function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function cssColor(element: Element, name: string, fallback: string): string {
  return getComputedStyle(element).getPropertyValue(name).trim() || fallback;
}

function heightFor(width: number): number {
  return width < 500 ? 220 : 300;
}

function zonedDate(timezone: string) {
  return (seconds: number) => {
    try {
      return uPlot.tzDate(new Date(seconds * 1000), timezone);
    } catch {
      return new Date(seconds * 1000);
    }
  };
}

function formatTick(value: number, step: number): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: Math.max(fractionDigits(step), 0), useGrouping: false });
}

type Latest = RefObject<MetricChartProps>;

function buildOptions(latest: Latest, element: HTMLElement, onCursor: (idx: number | null) => void): uPlot.Options {
  const { group, colors, timezone } = latest.current;
  const muted = cssColor(element, "--muted", "#5b6b5e");
  const grid = cssColor(element, "--border", "#d6ddd3");
  const width = Math.max(element.clientWidth, 200);
  const format = (_u: uPlot, v: number | null) => formatValue(v, group.unit);

  const series: uPlot.Series[] = [{}];
  const bands: uPlot.Band[] = [];
  group.sensors.forEach((sensor, i) => {
    const color = colors[i] ?? "#2f6b3a";
    const faint = withAlpha(color, 0.45);
    series.push(
      { label: sensor.name, scale: "y", stroke: color, width: 2, value: format },
      { label: `${sensor.name} (lowest)`, scale: "y", stroke: faint, width: 1, value: format, points: { show: false } },
      { label: `${sensor.name} (highest)`, scale: "y", stroke: faint, width: 1, value: format, points: { show: false } },
    );
    const { min, max } = columnsOf(i);
    bands.push({ series: [max, min], fill: withAlpha(color, 0.16) });
  });

  return {
    width,
    height: heightFor(width),
    tzDate: zonedDate(timezone),
    series,
    bands,
    legend: { show: false },
    scales: {
      x: { time: true, range: () => [latest.current.fromMs / 1000, latest.current.toMs / 1000] },
      y: { auto: true },
    },
    axes: [
      { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
      {
        scale: "y",
        stroke: muted,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid, width: 1 },
        size: 52,
        values: (_u, splits) => {
          const step = splits.length > 1 ? Math.abs(splits[1]! - splits[0]!) : 1;
          return splits.map((v) => formatTick(v, step));
        },
      },
    ],
    cursor: { drag: { x: true, y: false, setScale: false } },
    hooks: {
      setSelect: [
        (u) => {
          const { left, width: dragged } = u.select;
          if (dragged < 3) return;
          const from = u.posToVal(left, "x");
          const to = u.posToVal(left + dragged, "x");
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          latest.current.onZoom(from * 1000, to * 1000);
        },
      ],
      setCursor: [(u) => onCursor(u.cursor.idx ?? null)],
    },
  };
}

function valueAt(group: ChartGroup, column: number, idx: number): number | null {
  const v = group.data[column]?.[idx];
  return typeof v === "number" ? v : null;
}

/**
 * One uPlot chart: per sensor an average line over its min–max band. Drag
 * across it to zoom (the page then loads that stretch). Mounted afresh by the
 * parent (its `key`) when the sensors, units or colours change; new points for
 * the same sensors only replace the data.
 */
export function MetricChart(props: MetricChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(props);
  const [cursor, setCursor] = useState<number | null>(null);

  useLayoutEffect(() => {
    latest.current = props;
  });

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const u = new uPlot(buildOptions(latest, element, setCursor), latest.current.group.data, element);
    plot.current = u;
    const resize = new ResizeObserver(() => {
      const width = Math.max(element.clientWidth, 200);
      u.setSize({ width, height: heightFor(width) });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, []);

  const { group, fromMs, toMs } = props;
  useEffect(() => {
    plot.current?.setData(group.data);
  }, [group.data, fromMs, toMs]);

  const times = group.data[0];
  const at = cursor !== null && cursor < times.length ? cursor : null;
  const readoutTime =
    at !== null
      ? new Date((times[at] ?? 0) * 1000).toLocaleString(undefined, {
          timeZone: props.timezone,
          dateStyle: "medium",
          timeStyle: "short",
        })
      : null;

  return (
    <div className="metric-chart">
      <div ref={box} className="metric-chart__plot" data-chart-points={group.points} />
      <ul className="metric-chart__legend">
        {group.sensors.map((sensor, i) => {
          const { avg, min, max } = columnsOf(i);
          return (
            <li key={sensor.id}>
              <span className="swatch" style={{ background: props.colors[i] }} aria-hidden="true" />
              <span className="metric-chart__name">{sensor.name}</span>
              {at !== null && (
                <span className="metric-chart__value">
                  {formatValue(valueAt(group, avg, at), group.unit)}{" "}
                  <span className="muted">
                    ({formatValue(valueAt(group, min, at), "")} – {formatValue(valueAt(group, max, at), "")})
                  </span>
                </span>
              )}
            </li>
          );
        })}
        {readoutTime && <li className="metric-chart__time">{readoutTime}</li>}
      </ul>
    </div>
  );
}
