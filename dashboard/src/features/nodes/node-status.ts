import type { Tone } from "../../components/status-badge";
import type { Node } from "../live-state";

export const NODE_STATUS_TONE: Record<Node["status"], Tone> = {
  online: "ok",
  offline: "bad",
  retired: "muted",
};
