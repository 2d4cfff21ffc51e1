/** Live farm state: the dashboard state and the event stream that keeps it current. */
export { useDashboardState, dashboardStateKey } from "./api/get-dashboard-state";
export { LiveProvider, useLiveStatus } from "./components/live-provider";
export { LiveIndicator } from "./components/live-indicator";
export { isSensorStale, withCommand } from "./apply-event";
export { useLiveEvent } from "./live-listeners";
export type { BackupProgress, Command, DashboardState, Node, OutputState, SensorState } from "./live-event";
