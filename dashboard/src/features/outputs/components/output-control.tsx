import { useState } from "react";
import { describeApiError } from "../../../api/describe-api-error";
import { Spinner } from "../../../components/spinner";
import { useCan } from "../../auth";
import type { Node, OutputState } from "../../live-state";
import { useCommandOutput } from "../api/command-output";
import { formatOutputState, summarizeOutput } from "../describe-output";

interface OutputControlProps {
  output: OutputState;
  node: Node | undefined;
}

/**
 * A relay's switch or a level's slider, showing what is wanted (the control)
 * against what the node reports, a spinner until the node confirms, and a
 * failed or expired command in words.
 */
export function OutputControl({ output, node }: OutputControlProps) {
  const canCommand = useCan("outputs.command");
  const command = useCommandOutput();
  const [draft, setDraft] = useState<number | null>(null);
  const pending = Boolean(output.pending_command) || command.isPending;
  const retired = node?.status === "retired";
  const disabled = !canCommand || retired;
  const disabledWhy = !canCommand
    ? "Your role cannot switch outputs."
    : retired
      ? "The node is retired."
      : undefined;
  const summary = summarizeOutput(output, node?.status);
  const send = (state: number) =>
    command.mutate({ outputId: output.id, state }, { onSuccess: () => setDraft(null) });
  const labelId = `output-${output.id}-name`;

  return (
    <div
      className="output"
      data-output-id={output.id}
      data-desired={output.desired_state}
      data-reported={output.reported_state ?? ""}
      data-pending={pending ? "true" : "false"}
    >
      <div className="output__head">
        <div className="output__title">
          <h3 className="output__name" id={labelId}>
            {output.name}
          </h3>
          {node && <p className="output__node">{node.name}</p>}
        </div>
        {pending && <Spinner label="Waiting for the node to confirm" />}
        {output.kind === "relay" && (
          <button
            type="button"
            role="switch"
            className="switch"
            aria-checked={output.desired_state === 1}
            aria-labelledby={labelId}
            disabled={disabled}
            title={disabledWhy}
            onClick={() => send(output.desired_state === 1 ? 0 : 1)}
          >
            <span className="switch__text">{formatOutputState("relay", output.desired_state)}</span>
            <span className="switch__track" aria-hidden="true">
              <span className="switch__thumb" />
            </span>
          </button>
        )}
      </div>

      {output.kind === "level" && (
        <div className="level">
          <input
            type="range"
            min={0}
            max={100}
            step={1}
            value={draft ?? output.desired_state}
            aria-labelledby={labelId}
            disabled={disabled}
            title={disabledWhy}
            onChange={(e) => setDraft(Number(e.target.value))}
          />
          <span className="level__value">{formatOutputState("level", draft ?? output.desired_state)}</span>
          {draft !== null && draft !== output.desired_state && (
            <div className="level__actions">
              <button type="button" className="button button--primary button--small" onClick={() => send(draft)}>
                Set {draft} %
              </button>
              <button type="button" className="button button--small" onClick={() => setDraft(null)}>
                Cancel
              </button>
            </div>
          )}
        </div>
      )}

      <dl className="output__states">
        <div>
          <dt>Wanted</dt>
          <dd>{formatOutputState(output.kind, output.desired_state)}</dd>
        </div>
        <div>
          <dt>Reported</dt>
          <dd>{formatOutputState(output.kind, output.reported_state)}</dd>
        </div>
      </dl>
      {summary && (
        <p className={`output__summary tone--${summary.tone}`} data-summary="">
          {summary.text}
        </p>
      )}
      {command.isError && (
        <p className="output__error" role="alert">
          {describeApiError(command.error)}
        </p>
      )}
    </div>
  );
}
