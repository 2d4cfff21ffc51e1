import { useState, type ReactNode } from "react";
import { Link, useParams } from "react-router";
import { ErrorMessage } from "../../../components/error-message";
import { ConfirmButton } from "../../../components/confirm-button";
import { PageHeader } from "../../../components/page-header";
import { RelativeTime } from "../../../components/relative-time";
import { formatDateTime, formatDuration } from "../../../lib/format";
import { usePageTitle } from "../../../lib/use-page-title";
import { NodeBundleView, ReplaceHardware } from "../../adoption";
import { useCan } from "../../auth";
import { useDashboardState, type Node } from "../../live-state";
import { OutputList, OutputSettings } from "../../outputs";
import { SensorGrid, SensorSettings } from "../../sensors";
import { useRetireNode } from "../api/retire-node";
import { EditNodeForm } from "./edit-node-form";
import { NodeStatusBadge } from "./node-status-badge";

function Facts({ node }: { node: Node }) {
  const facts: [string, ReactNode][] = [
    ["Status", <NodeStatusBadge key="s" status={node.status} />],
    ["Last seen", <RelativeTime key="l" iso={node.last_seen_at} />],
    ["Uptime", node.uptime_s === null || node.uptime_s === undefined ? "–" : formatDuration(node.uptime_s)],
    ["Heartbeat every", `${node.heartbeat_interval_s} s`],
    ["Model", node.model || "–"],
    ["Agent version", node.agent_version || "–"],
    ["MAC address", node.mac],
    ["IP address", node.ip ?? "–"],
    ["Registered", formatDateTime(node.adopted_at)],
  ];
  if (node.retired_at) facts.push(["Retired", formatDateTime(node.retired_at)]);
  return (
    <dl className="facts card">
      {facts.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** One node: its facts, live sensors and outputs; for managers, changing them and retiring it. */
export function NodeDetailPage() {
  const { id } = useParams();
  const nodeId = Number(id);
  const state = useDashboardState();
  const canManage = useCan("nodes.manage");
  const retire = useRetireNode();
  const [editing, setEditing] = useState(false);
  const node = state.data?.nodes.find((n) => n.id === nodeId);
  usePageTitle(node?.name ?? "Node");

  if (!state.data) {
    return state.isError ? (
      <ErrorMessage error={state.error} onRetry={() => void state.refetch()} retrying={state.isFetching} />
    ) : (
      <p className="muted">Loading…</p>
    );
  }
  if (!node) {
    return (
      <section className="card">
        <h1 className="card__title">No such node</h1>
        <p>
          There is no node with id {id}. <Link to="/nodes">See all nodes</Link>.
        </p>
      </section>
    );
  }
  const sensors = state.data.sensors.filter((s) => s.node_id === node.id);
  const outputs = state.data.outputs.filter((o) => o.node_id === node.id);
  const retired = node.status === "retired";

  return (
    <>
      <PageHeader
        title={node.name}
        subtitle={
          <>
            <Link to="/nodes">Nodes</Link> › {node.name}
          </>
        }
        actions={
          canManage && !retired ? (
            <>
              {!editing && (
                <button type="button" className="button" onClick={() => setEditing(true)}>
                  Rename or change heartbeat
                </button>
              )}
              <ConfirmButton
                label="Retire node"
                question={`Retire ${node.name}? Its token stops working at once and its open commands expire. Its history stays. This cannot be undone here.`}
                confirmLabel="Yes, retire it"
                busy={retire.isPending}
                onConfirm={() => retire.mutate(node.id)}
              />
            </>
          ) : undefined
        }
      />
      {retire.isError && <ErrorMessage error={retire.error} />}
      {retired && (
        <p className="alert alert--info">This node is retired: it can no longer report or be switched. Its history stays.</p>
      )}
      {editing && canManage && !retired && <EditNodeForm key={node.id} node={node} onDone={() => setEditing(false)} />}
      <Facts node={node} />
      {canManage && !retired && <ReplaceHardware nodeId={node.id} nodeName={node.name} />}
      <section aria-labelledby="node-outputs" className="section">
        <h2 id="node-outputs" className="section__title">
          Outputs
        </h2>
        <OutputList outputs={outputs} nodes={[node]} />
        {canManage && !retired && <OutputSettings nodeId={node.id} outputs={outputs} />}
      </section>
      <section aria-labelledby="node-sensors" className="section">
        <h2 id="node-sensors" className="section__title">
          Sensors
        </h2>
        <SensorGrid sensors={sensors} nodes={[node]} />
        {canManage && !retired && <SensorSettings nodeId={node.id} sensors={sensors} />}
      </section>
      <NodeBundleView nodeId={node.id} />
    </>
  );
}
