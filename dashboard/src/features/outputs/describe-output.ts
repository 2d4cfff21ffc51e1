import type { Tone } from "../../components/status-badge";
import type { Command, Node, OutputState } from "../live-state";

type Kind = OutputState["kind"];

/** A state as an operator says it: "On", "Off", "40 %". */
export function formatOutputState(kind: Kind, state: number | null | undefined): string {
  if (state === null || state === undefined) return "not reported";
  if (kind === "level") return `${state} %`;
  if (state === 1) return "On";
  if (state === 0) return "Off";
  return `state ${state}`;
}

function reason(error: string | null | undefined, otherwise: string): string {
  const text = error?.trim();
  return text ? text : otherwise;
}

/** A command's progress in words: "Confirmed: On", "Failed to set On: relay stuck". */
export function describeCommand(command: Command, kind: Kind): string {
  const target = formatOutputState(kind, command.state);
  switch (command.status) {
    case "queued":
      return `Switching to ${target}: waiting for the node to pick it up.`;
    case "delivered":
      return `Switching to ${target}: the node has it, waiting for its confirmation.`;
    case "confirmed":
      return `Confirmed: ${target}.`;
    case "failed":
      return `Failed to set ${target}: ${reason(command.error, "the node reported an error")}.`;
    case "expired":
      return `Not done (${target}): ${reason(command.error, "the node did not answer in time")}.`;
  }
}

export interface OutputSummary {
  tone: Tone;
  text: string;
}

/**
 * The line under an output's control: what is happening, or what went wrong,
 * in the order an operator needs it; null when all is as wanted (the wanted
 * and reported states beside the control say enough).
 */
export function summarizeOutput(output: OutputState, nodeStatus: Node["status"] | undefined): OutputSummary | null {
  const pending = output.pending_command ?? null;
  const last = output.last_command ?? null;
  if (nodeStatus === "retired") return { tone: "muted", text: "The node is retired: this output cannot be switched." };
  if (pending) {
    const text = describeCommand(pending, output.kind);
    return nodeStatus === "offline"
      ? { tone: "warn", text: `${text} The node is offline: it expires after 60 s without an answer.` }
      : { tone: "info", text };
  }
  if (last && (last.status === "failed" || last.status === "expired")) {
    return { tone: "bad", text: describeCommand(last, output.kind) };
  }
  if (output.reported_state === null || output.reported_state === undefined) {
    return { tone: "muted", text: "The node has not reported this output yet." };
  }
  if (output.reported_state !== output.desired_state) {
    return {
      tone: "warn",
      text: `The node reports ${formatOutputState(output.kind, output.reported_state)}, wanted ${formatOutputState(output.kind, output.desired_state)}.`,
    };
  }
  return null;
}
