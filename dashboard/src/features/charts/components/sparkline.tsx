import { useMemo } from "react";
import type { Sparkline as SparklineData } from "../api/query-metrics";
import { gapThresholdMs } from "../shape-series";
import { sparklinePaths } from "../sparkline-path";

const WIDTH = 120;
const HEIGHT = 32;

/** The last 24 h at a glance: average line over the min–max band. */
export function Sparkline({ data, intervalS, label }: { data: SparklineData | undefined; intervalS: number; label: string }) {
  const paths = useMemo(
    () =>
      data
        ? sparklinePaths(data.series.points, {
            width: WIDTH,
            height: HEIGHT,
            fromMs: data.fromMs,
            toMs: data.toMs,
            gapMs: gapThresholdMs(data.series, intervalS),
          })
        : null,
    [data, intervalS],
  );
  if (!paths) return <span className="sparkline sparkline--loading" aria-hidden="true" />;
  if (!paths.line) return <span className="sparkline sparkline--empty">no readings in 24 h</span>;
  return (
    <svg
      className="sparkline"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={label}
      data-sparkline=""
    >
      <path className="sparkline__band" d={paths.band} />
      <path className="sparkline__line" d={paths.line} vectorEffect="non-scaling-stroke" />
    </svg>
  );
}
