import { useState } from "react";
import { Link } from "react-router";
import { ErrorMessage } from "../../../components/error-message";
import { useCalendar } from "../api/get-calendar";
import { upcomingFirings } from "../calendar-blocks";

const DAY_MS = 24 * 3600 * 1000;

/** "Mon 22:00" from a firing's local "2026-03-02T22:00" (already the site's time). */
function formatLocal(local: string): string {
  const date = new Date(`${local}:00Z`);
  if (Number.isNaN(date.getTime())) return local;
  return date.toLocaleString(undefined, { timeZone: "UTC", weekday: "short", hour: "2-digit", minute: "2-digit", hour12: false });
}

/** The overview's next five schedule firings within 24 hours, in the site's time. */
export function NextFirings() {
  // The window is fixed when the overview opens (reopening it moves it on).
  const [range] = useState(() => {
    const now = Date.now();
    return { from: new Date(now).toISOString(), to: new Date(now + DAY_MS).toISOString(), now };
  });
  const calendar = useCalendar({ from: range.from, to: range.to });
  if (calendar.isError) return <ErrorMessage error={calendar.error} />;
  if (!calendar.data) return <p className="muted">Loading…</p>;
  const next = upcomingFirings(calendar.data, range.now, 5);
  if (next.length === 0) {
    return (
      <p className="muted">
        No schedule fires in the next 24 hours. <Link to="/schedules">Schedules</Link>
      </p>
    );
  }
  return (
    <ol className="list-plain" data-next-firings="">
      {next.map((f) => (
        <li key={`${f.schedule_id}@${f.start}`} className={f.enabled ? undefined : "muted"}>
          <span className="nowrap">
            {formatLocal(f.start_local)}–{f.end_local.slice(11)}
          </span>{" "}
          <strong>{f.schedule_name}</strong>
          {!f.enabled && " (disabled)"}
          {f.notes.map((note) => (
            <span key={note} className="small block tone--warn">
              {note}
            </span>
          ))}
        </li>
      ))}
    </ol>
  );
}
