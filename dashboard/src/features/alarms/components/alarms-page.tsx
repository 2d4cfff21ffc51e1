import { useSearchParams } from "react-router";
import { ErrorMessage } from "../../../components/error-message";
import { PageHeader } from "../../../components/page-header";
import { usePageTitle } from "../../../lib/use-page-title";
import { useAlarms } from "../api/list-alarms";
import { summarizeOpen } from "../alarm-words";
import { AlarmList } from "./alarm-list";

/** GET /api/alarms: the open ones (default) or all, with acknowledge. */
export function AlarmsPage() {
  usePageTitle("Alarms");
  const [params, setParams] = useSearchParams();
  const showAll = params.get("show") === "all";
  const alarms = useAlarms(!showAll);
  const list = alarms.data ?? [];

  const show = (all: boolean) => {
    const next = new URLSearchParams(params);
    if (all) next.set("show", "all");
    else next.delete("show");
    setParams(next);
  };

  return (
    <>
      <PageHeader
        title="Alarms"
        subtitle={
          alarms.data ? (summarizeOpen(list) ?? "No open alarms.") : "Raised by schedules; newest first."
        }
      />
      <div className="toolbar" role="group" aria-label="Which alarms">
        <button
          type="button"
          className={showAll ? "segment" : "segment segment--active"}
          aria-pressed={!showAll}
          onClick={() => show(false)}
        >
          Open
        </button>
        <button
          type="button"
          className={showAll ? "segment segment--active" : "segment"}
          aria-pressed={showAll}
          onClick={() => show(true)}
        >
          All
        </button>
      </div>
      {alarms.isError && (
        <ErrorMessage error={alarms.error} onRetry={() => void alarms.refetch()} retrying={alarms.isFetching} />
      )}
      {alarms.isPending && <p className="muted">Loading…</p>}
      {alarms.isSuccess && list.length === 0 && (
        <p className="card muted">
          {showAll
            ? "No alarms have been raised. A schedule raises one when it fires with an alarm action."
            : "Nothing needs attention: every alarm has been acknowledged."}
        </p>
      )}
      {list.length > 0 && (
        <div className="card">
          <AlarmList alarms={list} />
          {list.length >= 1000 && <p className="small muted">Showing the newest 1000.</p>}
        </div>
      )}
    </>
  );
}
