import type { Point } from "./shape-series";

export interface SparklinePaths {
  /** The average, as an SVG path; a gap starts a new subpath. */
  line: string;
  /** The min–max band, one closed shape per unbroken stretch. */
  band: string;
}

const EMPTY: SparklinePaths = { line: "", band: "" };

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * A sparkline in a `width` × `height` box (SVG user units, y down) over the
 * range [fromMs, toMs]. Points further apart than `gapMs` are not joined.
 */
export function sparklinePaths(
  points: readonly Point[],
  box: { width: number; height: number; fromMs: number; toMs: number; gapMs: number },
): SparklinePaths {
  const parsed = points
    .map((p) => ({ t: Date.parse(p.ts), min: p.min, max: p.max, avg: p.avg }))
    .filter((p) => Number.isFinite(p.t));
  if (parsed.length === 0 || box.toMs <= box.fromMs) return EMPTY;

  let low = Math.min(...parsed.map((p) => p.min));
  let high = Math.max(...parsed.map((p) => p.max));
  if (high === low) {
    // A flat line sits in the middle, not on the floor.
    low -= 1;
    high += 1;
  }
  const pad = (high - low) * 0.08;
  low -= pad;
  high += pad;
  const x = (t: number) => round(((t - box.fromMs) / (box.toMs - box.fromMs)) * box.width);
  const y = (v: number) => round(box.height - ((v - low) / (high - low)) * box.height);

  const runs: (typeof parsed)[] = [];
  for (const p of parsed) {
    const run = runs[runs.length - 1];
    const last = run?.[run.length - 1];
    if (run && last && p.t - last.t <= box.gapMs) run.push(p);
    else runs.push([p]);
  }

  const line = runs
    .map((run) =>
      run.length === 1
        ? // A lone point still shows: a short flat stroke.
          `M${x(run[0]!.t) - 0.5} ${y(run[0]!.avg)}h1`
        : run.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.t)} ${y(p.avg)}`).join(""),
    )
    .join("");
  const band = runs
    .filter((run) => run.length > 1)
    .map((run) => {
      const top = run.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.t)} ${y(p.max)}`).join("");
      const bottom = [...run]
        .reverse()
        .map((p) => `L${x(p.t)} ${y(p.min)}`)
        .join("");
      return `${top}${bottom}Z`;
    })
    .join("");
  return { line, band };
}
