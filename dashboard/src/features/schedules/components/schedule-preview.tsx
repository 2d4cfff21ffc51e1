import { ErrorMessage } from "../../../components/error-message";
import { useSchedulePreview } from "../api/preview-schedule";

/** "Mon 2 Mar 22:00" from "2026-03-02T22:00" (already the site's local time). */
function formatLocal(local: string): string {
  const date = new Date(`${local}:00Z`);
  if (Number.isNaN(date.getTime())) return local;
  return date.toLocaleString(undefined, {
    timeZone: "UTC",
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  });
}

/** The selected schedule's next 10 firings, in the site's time, with DST and conflict notes. */
export function SchedulePreview({ scheduleId }: { scheduleId: number }) {
  const preview = useSchedulePreview(scheduleId);
  return (
    <section aria-labelledby="preview-title" data-schedule-preview="">
      <h3 id="preview-title" className="card__title">
        Next firings
      </h3>
      {preview.isError && (
        <ErrorMessage error={preview.error} onRetry={() => void preview.refetch()} retrying={preview.isFetching} />
      )}
      {preview.isPending && <p className="muted">Loading…</p>}
      {preview.data && preview.data.length === 0 && <p className="muted">It does not fire again.</p>}
      {preview.data && preview.data.length > 0 && (
        <ol className="list-plain sched-preview">
          {preview.data.map((firing) => (
            <li key={firing.start} data-firing={firing.start_local}>
              <span className="nowrap">{formatLocal(firing.start_local)}</span>–
              <span className="nowrap">
                {firing.end_local.slice(0, 10) === firing.start_local.slice(0, 10)
                  ? firing.end_local.slice(11, 16)
                  : formatLocal(firing.end_local)}
              </span>
              {firing.notes.map((note) => (
                <span key={note} className="small block tone--warn">
                  {note}
                </span>
              ))}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
