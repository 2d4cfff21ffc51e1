import { Link } from "react-router";
import { RelativeTime } from "../../../components/relative-time";
import { StatusBadge } from "../../../components/status-badge";
import { formatValue } from "../../../lib/format";
import { useNow } from "../../../lib/use-now";
import { Sparkline, useSparklines } from "../../charts";
import { isSensorStale, type Node, type SensorState } from "../../live-state";

/** Sensors as cards: last value and unit, a 24 h sparkline, and a stale mark; each opens its chart. */
export function SensorGrid({ sensors, nodes }: { sensors: readonly SensorState[]; nodes: readonly Node[] }) {
  const now = useNow();
  const sparklines = useSparklines(sensors.map((s) => s.id));
  if (sensors.length === 0) return <p className="muted">No sensors.</p>;
  const nodeById = new Map(nodes.map((n) => [n.id, n]));
  return (
    <ul className="grid grid--sensors" role="list">
      {sensors.map((sensor) => {
        const node = nodeById.get(sensor.node_id);
        // A retired node reports nothing any more: that is not news.
        const stale = node?.status !== "retired" && isSensorStale(sensor, now);
        return (
          <li key={sensor.id}>
            <Link className="sensor" to={`/charts?sensors=${sensor.id}`} data-sensor-id={sensor.id}>
              <span className="sensor__head">
                <span className="sensor__name">{sensor.name}</span>
                {stale && <StatusBadge tone="warn">stale</StatusBadge>}
              </span>
              <span className="sensor__node">{node?.name ?? `Node ${sensor.node_id}`}</span>
              <span className={stale ? "sensor__value sensor__value--stale" : "sensor__value"}>
                {formatValue(sensor.last_value, sensor.unit)}
              </span>
              <Sparkline
                data={sparklines.get(sensor.id)}
                intervalS={sensor.interval_s}
                label={`${sensor.name}, last 24 hours`}
              />
              <span className="sensor__time">
                <RelativeTime iso={sensor.last_ts} fallback="no reading yet" />
              </span>
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
