import { useCan } from "../../auth";
import type { Node, OutputState } from "../../live-state";
import { OutputControl } from "./output-control";

function OnlyViewing() {
  const canCommand = useCan("outputs.command");
  if (canCommand) return null;
  return <p className="muted small">Your role can see outputs but not switch them.</p>;
}

/** Outputs as a grid of controls; `nodes` gives each its node's name and status. */
export function OutputList({ outputs, nodes }: { outputs: readonly OutputState[]; nodes: readonly Node[] }) {
  if (outputs.length === 0) return <p className="muted">No outputs.</p>;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  return (
    <>
      <OnlyViewing />
      <div className="grid grid--outputs">
        {outputs.map((output) => (
          <OutputControl key={output.id} output={output} node={byId.get(output.node_id)} />
        ))}
      </div>
    </>
  );
}
