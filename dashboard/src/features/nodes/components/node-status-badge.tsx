import { StatusBadge } from "../../../components/status-badge";
import type { Node } from "../../live-state";
import { NODE_STATUS_TONE } from "../node-status";

/** online / offline / retired, coloured. */
export function NodeStatusBadge({ status }: { status: Node["status"] }) {
  return (
    <span data-node-status={status}>
      <StatusBadge tone={NODE_STATUS_TONE[status]}>{status}</StatusBadge>
    </span>
  );
}
