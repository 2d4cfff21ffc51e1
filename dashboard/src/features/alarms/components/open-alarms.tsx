import { useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { ErrorMessage } from "../../../components/error-message";
import { useCan } from "../../auth";
import { useLiveEvent } from "../../live-state";
import { alarmsKey, useAlarms } from "../api/list-alarms";
import { bySeverity, summarizeOpen } from "../alarm-words";
import { AlarmList } from "./alarm-list";

/** The overview's alarm panel: shown only while something is unacknowledged (or the list fails). */
export function OpenAlarms() {
  const canView = useCan("alarms.view");
  const alarms = useAlarms(true, canView);
  if (!canView) return null;
  if (alarms.isError) return <ErrorMessage error={alarms.error} onRetry={() => void alarms.refetch()} />;
  const open = alarms.data ?? [];
  const summary = summarizeOpen(open);
  if (!summary) return null;
  return (
    <section className="card card--alarm" aria-labelledby="overview-alarms" data-open-alarms={open.length}>
      <div className="toolbar toolbar--spread">
        <h2 id="overview-alarms" className="card__title">
          {summary}
        </h2>
        <Link to="/alarms" className="small">
          All alarms
        </Link>
      </div>
      <AlarmList alarms={bySeverity(open).slice(0, 5)} />
      {open.length > 5 && (
        <p className="small">
          <Link to="/alarms">{open.length - 5} more</Link>
        </p>
      )}
    </section>
  );
}

/**
 * How many alarms are open, for the navigation (shown on every page); null when
 * none or not allowed to see them. A raised alarm arrives as a live event: every
 * alarm list is then reloaded at once instead of at its next poll.
 */
export function useOpenAlarmCount(): number | null {
  const canView = useCan("alarms.view");
  const alarms = useAlarms(true, canView);
  const queryClient = useQueryClient();
  useLiveEvent("alarm", () => {
    if (canView) void queryClient.invalidateQueries({ queryKey: alarmsKey }, { cancelRefetch: false });
  });
  const count = alarms.data?.length ?? 0;
  return canView && count > 0 ? count : null;
}
