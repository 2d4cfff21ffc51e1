import { Link } from "react-router";
import { ErrorMessage } from "../../../components/error-message";
import { PageHeader } from "../../../components/page-header";
import { RelativeTime } from "../../../components/relative-time";
import { usePageTitle } from "../../../lib/use-page-title";
import { AdoptionCandidates } from "../../adoption";
import { useCan } from "../../auth";
import { useDashboardState } from "../../live-state";
import { NodeStatusBadge } from "./node-status-badge";

/** Every node with its status; registering one by hand. */
export function NodesPage() {
  usePageTitle("Nodes");
  const state = useDashboardState();
  const canManage = useCan("nodes.manage");
  const actions = canManage ? (
    <Link className="button button--primary" to="/nodes/new">
      Register a node
    </Link>
  ) : undefined;

  if (!state.data) {
    return (
      <>
        <PageHeader title="Nodes" actions={actions} />
        {state.isError ? (
          <ErrorMessage error={state.error} onRetry={() => void state.refetch()} retrying={state.isFetching} />
        ) : (
          <p className="muted">Loading…</p>
        )}
      </>
    );
  }
  const { nodes, sensors, outputs } = state.data;
  const count = (list: readonly { node_id: number }[], id: number) => list.filter((x) => x.node_id === id).length;
  return (
    <>
      <PageHeader title="Nodes" subtitle={`${nodes.length} registered`} actions={actions} />
      {nodes.length === 0 ? (
        <p className="card muted">No nodes yet.</p>
      ) : (
        <div className="table-wrap card card--flush">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Last seen</th>
                <th scope="col">Sensors</th>
                <th scope="col">Outputs</th>
                <th scope="col">Model</th>
                <th scope="col">MAC address</th>
                <th scope="col">IP address</th>
              </tr>
            </thead>
            <tbody>
              {nodes.map((node) => (
                <tr key={node.id} data-node-id={node.id}>
                  <td>
                    <Link to={`/nodes/${node.id}`}>{node.name}</Link>
                  </td>
                  <td>
                    <NodeStatusBadge status={node.status} />
                  </td>
                  <td>
                    <RelativeTime iso={node.last_seen_at} />
                  </td>
                  <td className="num">{count(sensors, node.id)}</td>
                  <td className="num">{count(outputs, node.id)}</td>
                  <td>{node.model || "–"}</td>
                  <td className="mono">{node.mac}</td>
                  <td className="mono">{node.ip ?? "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <AdoptionCandidates />
    </>
  );
}
