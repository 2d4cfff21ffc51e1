import { Link, useSearchParams } from "react-router";
import { ErrorMessage } from "../../../components/error-message";
import { LoadOlderButton } from "../../../components/load-older-button";
import { PageHeader } from "../../../components/page-header";
import { RelativeTime } from "../../../components/relative-time";
import { StatusBadge } from "../../../components/status-badge";
import { formatDateTime } from "../../../lib/format";
import { usePageTitle } from "../../../lib/use-page-title";
import { useCan } from "../../auth";
import { useDashboardState } from "../../live-state";
import { useSchedules } from "../../schedules";
import {
  filterFromParams,
  filterToParams,
  isFiltered,
  NO_FILTER,
  OUTCOMES,
  rangeProblem,
  type ActionLogFilter,
  type Outcome,
} from "../action-log-filter";
import { describeDecision, describeOutcome, OUTCOME_LABELS, type Names } from "../action-log-words";
import { useActionLogs } from "../api/list-action-logs";

function parseChoice(value: string): number | null {
  return value === "" ? null : Number(value);
}

/** The schedule picker; only for roles that may list schedules. */
function ScheduleSelect({ value, onChange }: { value: number | null; onChange: (id: number | null) => void }) {
  const schedules = useSchedules();
  return (
    <label className="filter">
      <span className="filter__label">Schedule</span>
      <select value={value ?? ""} onChange={(e) => onChange(parseChoice(e.target.value))}>
        <option value="">All schedules</option>
        {(schedules.data ?? []).map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
        {value !== null && !schedules.data?.some((s) => s.id === value) && (
          <option value={value}>Schedule {value}</option>
        )}
      </select>
    </label>
  );
}

/** GET /api/action-logs: what the schedule engine decided and why, newest first, filterable. */
export function ActionLogPage() {
  usePageTitle("Action log");
  const [params, setParams] = useSearchParams();
  const filter = filterFromParams(params);
  const logs = useActionLogs(filter);
  const state = useDashboardState();
  const canSchedules = useCan("schedules.view");

  const nodes = new Map((state.data?.nodes ?? []).map((n) => [n.id, n.name]));
  const outputs = state.data?.outputs ?? [];
  const outputById = new Map(outputs.map((o) => [o.id, o]));
  const sensorById = new Map((state.data?.sensors ?? []).map((s) => [s.id, s]));
  const names: Names = { sensor: (id) => sensorById.get(id) };
  const items = logs.data?.pages.flatMap((p) => p.items) ?? [];

  const choose = (change: Partial<ActionLogFilter>) => setParams(filterToParams({ ...filter, ...change }, params));
  const problem = rangeProblem(filter);

  return (
    <>
      <PageHeader
        title="Action log"
        subtitle="What the schedules did and why, newest first. Updates every 15 seconds."
      />
      <div className="filters" role="group" aria-label="Filters">
        {canSchedules && <ScheduleSelect value={filter.scheduleId} onChange={(scheduleId) => choose({ scheduleId })} />}
        <label className="filter">
          <span className="filter__label">Output</span>
          <select value={filter.outputId ?? ""} onChange={(e) => choose({ outputId: parseChoice(e.target.value) })}>
            <option value="">All outputs</option>
            {outputs.map((o) => (
              <option key={o.id} value={o.id}>
                {nodes.get(o.node_id) ?? `Node ${o.node_id}`} — {o.name}
              </option>
            ))}
          </select>
        </label>
        <label className="filter">
          <span className="filter__label">Outcome</span>
          <select
            value={filter.outcome ?? ""}
            onChange={(e) => choose({ outcome: e.target.value === "" ? null : (e.target.value as Outcome) })}
          >
            <option value="">Any outcome</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {OUTCOME_LABELS[o]}
              </option>
            ))}
          </select>
        </label>
        <label className="filter">
          <span className="filter__label">From (local time)</span>
          <input
            type="datetime-local"
            value={filter.from ?? ""}
            onChange={(e) => choose({ from: e.target.value === "" ? null : e.target.value })}
          />
        </label>
        <label className="filter">
          <span className="filter__label">Until (local time, not included)</span>
          <input
            type="datetime-local"
            value={filter.to ?? ""}
            aria-invalid={problem !== null}
            aria-describedby={problem !== null ? "action-log-range-problem" : undefined}
            onChange={(e) => choose({ to: e.target.value === "" ? null : e.target.value })}
          />
        </label>
        {isFiltered(filter) && (
          <button type="button" className="button filters__clear" onClick={() => choose(NO_FILTER)}>
            Clear filters
          </button>
        )}
      </div>
      {problem !== null && (
        <p className="field__error" id="action-log-range-problem" role="alert">
          {problem}
        </p>
      )}

      {logs.isError && (
        <ErrorMessage error={logs.error} onRetry={() => void logs.refetch()} retrying={logs.isFetching} />
      )}
      {logs.isPending && problem === null && <p className="muted">Loading…</p>}
      {logs.isSuccess && items.length === 0 && (
        <p className="card muted">
          {isFiltered(filter)
            ? "Nothing matches these filters."
            : "No decisions yet: entries appear here when a schedule starts, ends, is skipped or is missed. Switching an output by hand is in the command history."}
        </p>
      )}

      {items.length > 0 && (
        <div className="table-wrap card card--flush">
          <table className="table table--stack">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Schedule</th>
                <th scope="col">Outcome</th>
                <th scope="col">Outputs</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {items.map((log) => {
                const outcome = describeOutcome(log);
                const why = describeDecision(log, names);
                return (
                  <tr key={log.id} data-action-log-id={log.id} data-outcome={log.outcome}>
                    <td data-label="When" className="nowrap">
                      <RelativeTime iso={log.at} />
                      {log.occurrence_start && (
                        <span className="muted small block">run of {formatDateTime(log.occurrence_start)}</span>
                      )}
                    </td>
                    <td data-label="Schedule">
                      {log.schedule_id !== null && log.schedule_id !== undefined ? (
                        <button
                          type="button"
                          className="link-button"
                          title="Show only this schedule"
                          onClick={() => choose({ scheduleId: log.schedule_id ?? null })}
                        >
                          {log.schedule_name}
                        </button>
                      ) : (
                        <>
                          {log.schedule_name} <span className="muted small">(deleted)</span>
                        </>
                      )}
                    </td>
                    <td data-label="Outcome">
                      <StatusBadge tone={outcome.tone}>{outcome.label}</StatusBadge>
                    </td>
                    <td data-label="Outputs">
                      {log.output_ids.length === 0 && <span className="muted">–</span>}
                      <ul className="list-plain list-plain--tight">
                        {log.output_ids.map((id) => {
                          const output = outputById.get(id);
                          return (
                            <li key={id}>
                              {output ? output.name : `Output ${id}`}
                              {output && (
                                <span className="muted small"> · {nodes.get(output.node_id) ?? `Node ${output.node_id}`}</span>
                              )}
                            </li>
                          );
                        })}
                      </ul>
                      {log.command_ids.length > 0 && (
                        <Link
                          className="small"
                          to={log.output_ids.length === 1 ? `/commands?output=${log.output_ids[0]}` : "/commands"}
                          data-command-ids={log.command_ids.join(",")}
                        >
                          {log.command_ids.length === 1 ? "1 command sent" : `${log.command_ids.length} commands sent`}
                        </Link>
                      )}
                    </td>
                    <td data-label="Why">{why ?? <span className="muted">–</span>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <LoadOlderButton query={logs} label="Show older entries" />
    </>
  );
}
