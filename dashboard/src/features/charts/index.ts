import { lazy } from "react";

/** Sensor charts (uPlot) and the overview's sparklines. */
export { Sparkline } from "./components/sparkline";
export { useSparklines } from "./api/query-metrics";

/** Loaded on first visit: uPlot is only needed here, not on the overview. */
export const ChartsPage = lazy(() => import("./components/charts-page").then((m) => ({ default: m.ChartsPage })));
