import type { Tone } from "../../components/status-badge";
import type { Command } from "../live-state";

export const STATUS_TONE: Record<Command["status"], Tone> = {
  queued: "info",
  delivered: "info",
  confirmed: "ok",
  failed: "bad",
  expired: "warn",
};

/** Who asked: "admin", "admin (API token)", "schedule", "reconciliation". */
export function describeRequester(command: Pick<Command, "source" | "requested_by">): string {
  const who = command.requested_by?.trim();
  switch (command.source) {
    case "user":
      return who || "a user";
    case "api_token":
      return who ? `${who} (API token)` : "an API token";
    case "schedule":
      return who ? `schedule ${who}` : "a schedule";
    case "reconciliation":
      return "the controller, to match the node to what is wanted";
  }
}

/** "1.2 s" from creation to the node's answer, or null while unfinished. */
export function describeTurnaround(command: Pick<Command, "created_at" | "finished_at">): string | null {
  if (!command.finished_at) return null;
  const ms = Date.parse(command.finished_at) - Date.parse(command.created_at);
  if (!Number.isFinite(ms) || ms < 0) return null;
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
