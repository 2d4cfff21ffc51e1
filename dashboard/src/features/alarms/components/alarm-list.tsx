import { Link } from "react-router";
import { describeApiError } from "../../../api/describe-api-error";
import { RelativeTime } from "../../../components/relative-time";
import { StatusBadge } from "../../../components/status-badge";
import { useCan } from "../../auth";
import { useAcknowledgeAlarm } from "../api/acknowledge-alarm";
import type { Alarm } from "../api/list-alarms";
import { SEVERITY_TONE } from "../alarm-words";

function AlarmItem({ alarm }: { alarm: Alarm }) {
  const canAck = useCan("alarms.ack");
  const ack = useAcknowledgeAlarm();
  const open = !alarm.acknowledged_at;
  return (
    <li className={open ? "alarm" : "alarm alarm--acknowledged"} data-alarm-id={alarm.id} data-open={open}>
      <div className="alarm__head">
        <StatusBadge tone={open ? SEVERITY_TONE[alarm.severity] : "muted"}>{alarm.severity}</StatusBadge>
        <span className="alarm__message">{alarm.message}</span>
      </div>
      <p className="alarm__meta small muted">
        Raised <RelativeTime iso={alarm.raised_at} />
        {alarm.schedule_id !== null && alarm.schedule_id !== undefined && (
          <>
            {" "}
            by a <Link to={`/action-log?schedule=${alarm.schedule_id}`}>schedule</Link>
          </>
        )}
        {alarm.acknowledged_at && (
          <>
            {" "}
            · acknowledged <RelativeTime iso={alarm.acknowledged_at} />
            {alarm.acknowledged_by && ` by ${alarm.acknowledged_by}`}
          </>
        )}
      </p>
      {open && canAck && (
        <div className="alarm__actions">
          <button
            type="button"
            className="button button--small"
            disabled={ack.isPending}
            onClick={() => ack.mutate(alarm.id)}
          >
            {ack.isPending ? "Acknowledging…" : "Acknowledge"}
          </button>
        </div>
      )}
      {ack.isError && (
        <p className="alarm__error small" role="alert">
          {describeApiError(ack.error)}
        </p>
      )}
    </li>
  );
}

/** Alarms as a list, each with its acknowledge button for roles that may. */
export function AlarmList({ alarms }: { alarms: readonly Alarm[] }) {
  return (
    <ul className="alarms" role="list">
      {alarms.map((alarm) => (
        <AlarmItem key={alarm.id} alarm={alarm} />
      ))}
    </ul>
  );
}
