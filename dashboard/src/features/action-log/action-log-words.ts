import type { Tone } from "../../components/status-badge";
import { formatValue } from "../../lib/format";
import type { Outcome } from "./action-log-filter";
import type { ActionLog } from "./api/list-action-logs";

export const OUTCOME_LABELS: Record<Outcome, string> = {
  fired: "Started",
  ended: "Ended",
  skipped: "Skipped",
  missed: "Missed",
};

export const OUTCOME_TONE: Record<Outcome, Tone> = {
  fired: "ok",
  ended: "muted",
  skipped: "warn",
  missed: "bad",
};

/** What the page knows to put names on ids; unknown ids are shown as "sensor 7". */
export interface Names {
  sensor: (id: number) => { name: string; unit: string } | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asOutcome(text: string): Outcome | null {
  return text === "fired" || text === "ended" || text === "skipped" || text === "missed" ? text : null;
}

/** The outcome as a label and tone; an outcome this page does not know is shown as the server wrote it. */
export function describeOutcome(log: Pick<ActionLog, "outcome">): { label: string; tone: Tone } {
  const known = asOutcome(log.outcome);
  return known ? { label: OUTCOME_LABELS[known], tone: OUTCOME_TONE[known] } : { label: log.outcome, tone: "info" };
}

const RULE_REASONS: Record<string, string> = {
  stale: "no recent reading",
  no_data: "no readings",
  not_long_enough: "not for long enough",
};

/** One condition rule's outcome from a skipped decision's `detail.rules`: "Soil moisture 31 % (held)". */
function describeRule(rule: unknown, names: Names): string | null {
  if (!isRecord(rule) || typeof rule.sensor_id !== "number") return null;
  const sensor = names.sensor(rule.sensor_id);
  const name = sensor?.name ?? `sensor ${rule.sensor_id}`;
  const value = typeof rule.value === "number" ? ` ${formatValue(rule.value, sensor?.unit ?? "")}` : "";
  const why = typeof rule.reason === "string" ? (RULE_REASONS[rule.reason] ?? rule.reason) : null;
  const verdict = rule.held === true ? "held" : why ? `did not hold: ${why}` : "did not hold";
  return `${name}${value} (${verdict})`;
}

/**
 * Why the engine decided what it did, in a sentence; null when the outcome
 * says it all. Reads `reason` and the free-form `detail` defensively: fields it
 * does not find are left out, never shown as JSON.
 */
export function describeDecision(log: Pick<ActionLog, "outcome" | "reason" | "detail">, names: Names): string | null {
  const detail: unknown = log.detail;
  const d = isRecord(detail) ? detail : {};
  const parts: string[] = [];
  switch (log.reason) {
    case "condition_false":
      parts.push("Its conditions did not hold.");
      break;
    case "stale":
      parts.push("A sensor in its conditions has no recent reading.");
      break;
    case "conflict":
      parts.push(
        typeof d.winner === "string"
          ? `Another schedule, ${d.winner}, holds the output (higher priority).`
          : "Another schedule holds the output (higher priority).",
      );
      break;
    case "disabled":
      parts.push("The schedule is disabled.");
      break;
    case null:
    case undefined:
      break;
    default:
      parts.push(`Reason: ${log.reason}.`);
  }
  if (Array.isArray(d.rules)) {
    const rules = d.rules.map((r) => describeRule(r, names)).filter((r): r is string => r !== null);
    if (rules.length > 0) parts.push(`${rules.join("; ")}.`);
  }
  if (log.outcome === "missed") {
    if (d.caught_up === true) parts.push("The controller was not running; it ran once as soon as it could.");
    else if (d.caught_up === false) parts.push("The controller was not running; not made up (the schedule skips missed runs).");
  }
  if (typeof d.note === "string" && d.note.trim() !== "") {
    const note = d.note.trim();
    parts.push(note.charAt(0).toUpperCase() + note.slice(1) + (/[.!?]$/.test(note) ? "" : "."));
  }
  return parts.length > 0 ? parts.join(" ") : null;
}
