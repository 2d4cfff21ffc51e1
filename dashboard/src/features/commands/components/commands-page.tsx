import { useSearchParams } from "react-router";
import { ErrorMessage } from "../../../components/error-message";
import { LoadOlderButton } from "../../../components/load-older-button";
import { PageHeader } from "../../../components/page-header";
import { RelativeTime } from "../../../components/relative-time";
import { StatusBadge } from "../../../components/status-badge";
import { usePageTitle } from "../../../lib/use-page-title";
import { useDashboardState } from "../../live-state";
import { describeCommand, formatOutputState } from "../../outputs";
import { useCommands } from "../api/list-commands";
import { describeRequester, describeTurnaround, STATUS_TONE } from "../command-words";

function parseOutputId(raw: string | null): number | null {
  return raw && /^[1-9][0-9]*$/.test(raw) ? Number(raw) : null;
}

/** Command history, newest first, optionally of one output; more pages on request. */
export function CommandsPage() {
  usePageTitle("Command history");
  const [params, setParams] = useSearchParams();
  const outputId = parseOutputId(params.get("output"));
  const commands = useCommands(outputId);
  const state = useDashboardState();
  const outputs = state.data?.outputs ?? [];
  const nodes = new Map((state.data?.nodes ?? []).map((n) => [n.id, n.name]));
  const outputById = new Map(outputs.map((o) => [o.id, o]));
  const items = commands.data?.pages.flatMap((p) => p.items) ?? [];

  const choose = (value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set("output", value);
    else next.delete("output");
    setParams(next);
  };

  return (
    <>
      <PageHeader title="Command history" subtitle="Newest first. Updates every 15 seconds." />
      <div className="toolbar">
        <label className="inline-field">
          <span>Output</span>
          <select value={outputId ?? ""} onChange={(e) => choose(e.target.value)}>
            <option value="">All outputs</option>
            {outputs.map((o) => (
              <option key={o.id} value={o.id}>
                {nodes.get(o.node_id) ?? `Node ${o.node_id}`} — {o.name}
              </option>
            ))}
          </select>
        </label>
      </div>

      {commands.isError && (
        <ErrorMessage error={commands.error} onRetry={() => void commands.refetch()} retrying={commands.isFetching} />
      )}
      {commands.isPending && <p className="muted">Loading…</p>}
      {commands.isSuccess && items.length === 0 && <p className="card muted">No commands yet.</p>}

      {items.length > 0 && (
        <div className="table-wrap card card--flush">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Output</th>
                <th scope="col">Set to</th>
                <th scope="col">Status</th>
                <th scope="col">Asked by</th>
                <th scope="col">Took</th>
              </tr>
            </thead>
            <tbody>
              {items.map((command) => {
                const output = outputById.get(command.output_id);
                const kind = output?.kind ?? "relay";
                return (
                  <tr key={command.id} data-command-id={command.id}>
                    <td className="nowrap">
                      <RelativeTime iso={command.created_at} />
                    </td>
                    <td>
                      {output ? output.name : <span className="mono">{command.output_key}</span>}
                      <span className="muted small block">{nodes.get(command.node_id) ?? `Node ${command.node_id}`}</span>
                    </td>
                    <td>{formatOutputState(kind, command.state)}</td>
                    <td>
                      <StatusBadge tone={STATUS_TONE[command.status]}>{command.status}</StatusBadge>
                      {(command.status === "failed" || command.status === "expired") && (
                        <span className="small block">{describeCommand(command, kind)}</span>
                      )}
                    </td>
                    <td>{describeRequester(command)}</td>
                    <td className="num">{describeTurnaround(command) ?? "–"}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <LoadOlderButton query={commands} label="Show older commands" />
    </>
  );
}
