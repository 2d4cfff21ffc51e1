import type { Tone } from "../../components/status-badge";
import type { components } from "../../api/schema";
import type { Alarm } from "./api/list-alarms";

type Severity = components["schemas"]["Severity"];

export const SEVERITY_TONE: Record<Severity, Tone> = {
  info: "info",
  warning: "warn",
  critical: "bad",
};

const RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** Open alarms for the overview: the most severe first, then the newest (the server sends newest first). */
export function bySeverity(alarms: readonly Alarm[]): Alarm[] {
  return alarms
    .map((alarm, index) => ({ alarm, index }))
    .sort((a, b) => RANK[a.alarm.severity] - RANK[b.alarm.severity] || a.index - b.index)
    .map(({ alarm }) => alarm);
}

/** "3 open alarms, 1 critical" for a heading; null when none is open. */
export function summarizeOpen(alarms: readonly Alarm[]): string | null {
  const open = alarms.filter((a) => !a.acknowledged_at);
  if (open.length === 0) return null;
  const critical = open.filter((a) => a.severity === "critical").length;
  const head = open.length === 1 ? "1 open alarm" : `${open.length} open alarms`;
  return critical > 0 ? `${head}, ${critical} critical` : head;
}
