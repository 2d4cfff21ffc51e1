import { lazy } from "react";

/**
 * Schedules: a week view in the site's time (FullCalendar, loaded with this page
 * only), weekly blocks and RRULEs, preview, run now.
 */
export const SchedulesPage = lazy(() =>
  import("./components/schedules-page").then((m) => ({ default: m.SchedulesPage })),
);

/** The overview's list of the next firings (no calendar component). */
export { NextFirings } from "./components/next-firings";

/** Every schedule (for pickers elsewhere, such as the action log's filter). */
export { useSchedules } from "./api/list-schedules";
