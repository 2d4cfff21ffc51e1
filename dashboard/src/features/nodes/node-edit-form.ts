import type { components } from "../../api/schema";
import { nameProblem, rangeProblem } from "../../lib/form-checks";
import type { Node } from "../live-state";

export type NodeUpdate = components["schemas"]["NodeUpdate"];

/** Renaming a node or changing its heartbeat; the number stays text until sent. */
export interface NodeEditForm {
  name: string;
  heartbeat_interval_s: string;
}

export const NODE_EDIT_FIELDS = ["name", "heartbeat_interval_s"] as const;

export function nodeToEditForm(node: Node): NodeEditForm {
  return { name: node.name, heartbeat_interval_s: String(node.heartbeat_interval_s) };
}

/** Problems visible before sending, by API field name (empty when none). */
export function checkNodeEditForm(form: NodeEditForm): Record<string, string> {
  const problems: Record<string, string> = {};
  const name = nameProblem(form.name);
  const heartbeat = rangeProblem(form.heartbeat_interval_s, 5, 3600, "seconds");
  if (name) problems.name = name;
  if (heartbeat) problems.heartbeat_interval_s = heartbeat;
  return problems;
}

/** The PATCH body: only what differs from `node`. */
export function toNodeUpdate(form: NodeEditForm, node: Node): NodeUpdate {
  const body: NodeUpdate = {};
  const name = form.name.trim();
  const heartbeat = Number(form.heartbeat_interval_s.trim());
  if (name !== node.name) body.name = name;
  if (heartbeat !== node.heartbeat_interval_s) body.heartbeat_interval_s = heartbeat;
  return body;
}
