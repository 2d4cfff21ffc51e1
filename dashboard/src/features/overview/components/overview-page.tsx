import { Link } from "react-router";
import type { components } from "../../../api/schema";
import { ErrorMessage } from "../../../components/error-message";
import { PageHeader } from "../../../components/page-header";
import { RelativeTime } from "../../../components/relative-time";
import { usePageTitle } from "../../../lib/use-page-title";
import { useNow } from "../../../lib/use-now";
import { OpenAlarms } from "../../alarms";
import { useCan } from "../../auth";
import { BackupAge } from "../../backups";
import {
  isSensorStale,
  useDashboardState,
  type Node,
  type OutputState,
  type SensorState,
} from "../../live-state";
import { NodeStatusBadge } from "../../nodes";
import { OutputList } from "../../outputs";
import { NextFirings } from "../../schedules";
import { SensorGrid } from "../../sensors";

interface Shown {
  nodes: readonly Node[];
  sensors: readonly SensorState[];
  outputs: readonly OutputState[];
}

/** Counted from what the page shows (retired nodes' sensors and outputs left out), so they agree. */
function Counts({ nodes, sensors, outputs }: Shown) {
  const now = useNow();
  const offline = nodes.filter((n) => n.status === "offline").length;
  const stale = sensors.filter((s) => isSensorStale(s, now)).length;
  const facts: [string, number, string?][] = [
    ["Nodes online", nodes.filter((n) => n.status === "online").length],
    ["Offline", offline, offline > 0 ? "bad" : undefined],
    ["Sensors", sensors.length],
    ["Stale", stale, stale > 0 ? "warn" : undefined],
    ["Outputs", outputs.length],
    ["Commands pending", outputs.filter((o) => o.pending_command).length],
  ];
  return (
    <dl className="counts">
      {facts.map(([label, value, tone]) => (
        <div key={label} className={tone ? `counts__item tone--${tone}` : "counts__item"}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

type BackupHealth = components["schemas"]["BackupHealth"];

/** What comes next: the schedules' next firings and how old the newest good backup is. */
function ComingUp({ backup }: { backup: BackupHealth }) {
  const canSchedules = useCan("schedules.view");
  const canBackups = useCan("backups.view");
  return (
    <div className="grid grid--coming-up">
      {canSchedules && (
        <section className="card" aria-labelledby="overview-firings">
          <h2 id="overview-firings" className="card__title">
            Next schedule firings
          </h2>
          <NextFirings />
        </section>
      )}
      <section className="card" aria-labelledby="overview-backups">
        <h2 id="overview-backups" className="card__title">
          Backups
        </h2>
        <BackupAge health={backup} linkToBackups={canBackups} />
      </section>
    </div>
  );
}

/** The farm at a glance, kept live by the event stream. */
export function OverviewPage() {
  usePageTitle("Overview");
  const state = useDashboardState();
  if (!state.data) {
    return state.isError ? (
      <ErrorMessage error={state.error} onRetry={() => void state.refetch()} retrying={state.isFetching} />
    ) : (
      <p className="muted">Loading the farm…</p>
    );
  }
  const { nodes, site } = state.data;
  const active = nodes.filter((n) => n.status !== "retired");
  // A retired node's sensors and outputs stay on its own page, not here.
  const activeIds = new Set(active.map((n) => n.id));
  const sensors = state.data.sensors.filter((s) => activeIds.has(s.node_id));
  const outputs = state.data.outputs.filter((o) => activeIds.has(o.node_id));
  return (
    <>
      <PageHeader title={site.name} subtitle="Overview" />
      {state.isError && <ErrorMessage error={state.error} onRetry={() => void state.refetch()} />}
      <OpenAlarms />
      <Counts nodes={active} sensors={sensors} outputs={outputs} />
      <ComingUp backup={state.data.backup} />

      <section aria-labelledby="overview-nodes" className="section">
        <h2 id="overview-nodes" className="section__title">
          Nodes
        </h2>
        {nodes.length === 0 ? (
          <p className="muted">
            No nodes yet. <Link to="/nodes/new">Register one</Link>.
          </p>
        ) : (
          <ul className="grid grid--nodes" role="list">
            {[...active, ...nodes.filter((n) => n.status === "retired")].map((node) => (
              <li key={node.id}>
                <Link
                  to={`/nodes/${node.id}`}
                  className={node.status === "retired" ? "node-card node-card--retired" : "node-card"}
                  data-node-id={node.id}
                >
                  <span className="node-card__head">
                    <span className="node-card__name">{node.name}</span>
                    <NodeStatusBadge status={node.status} />
                  </span>
                  <span className="node-card__seen">
                    Last seen <RelativeTime iso={node.last_seen_at} />
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="overview-outputs" className="section">
        <h2 id="overview-outputs" className="section__title">
          Outputs
        </h2>
        <OutputList outputs={outputs} nodes={nodes} />
      </section>

      <section aria-labelledby="overview-sensors" className="section">
        <h2 id="overview-sensors" className="section__title">
          Sensors
        </h2>
        <SensorGrid sensors={sensors} nodes={nodes} />
      </section>
    </>
  );
}
