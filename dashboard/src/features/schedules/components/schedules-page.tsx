import { useCallback, useMemo, useState } from "react";
import { ErrorMessage } from "../../../components/error-message";
import { PageHeader } from "../../../components/page-header";
import { usePageTitle } from "../../../lib/use-page-title";
import { useCan } from "../../auth";
import { useDashboardState } from "../../live-state";
import { useCalendar } from "../api/get-calendar";
import { useSite } from "../../site";
import { useSchedules } from "../api/list-schedules";
import { useUpdateSchedule } from "../api/update-schedule";
import {
  blockFromRange,
  calendarQueryRange,
  findBlockIndex,
  floatingNow,
  replaceBlock,
  type Block,
} from "../calendar-blocks";
import type { Schedule } from "../schedule-form";
import { CreateSchedulePanel } from "./create-schedule-panel";
import { EditSchedulePanel } from "./edit-schedule-panel";
import { WeekCalendar, type BlockChange } from "./week-calendar";

type Panel = { kind: "none" } | { kind: "new"; block: Block | null } | { kind: "edit"; id: number };

/** The schedules as a week (in the site's time): draw, drag and resize weekly blocks; edit, preview, run. */
export function SchedulesPage() {
  usePageTitle("Schedules");
  const canWrite = useCan("schedules.write");
  const site = useSite();
  const schedules = useSchedules();
  const state = useDashboardState();
  const update = useUpdateSchedule();
  const [range, setRange] = useState<{ from: string; to: string } | null>(null);
  const [panel, setPanel] = useState<Panel>({ kind: "none" });
  const [problem, setProblem] = useState<string | null>(null);
  const calendar = useCalendar(range);

  const timezone = site.data?.timezone;
  const now = useMemo(() => floatingNow(timezone ?? "UTC"), [timezone]);
  const byId = useMemo(() => new Map((schedules.data ?? []).map((s) => [s.id, s])), [schedules.data]);
  const outputs = state.data?.outputs ?? [];
  const nodes = state.data?.nodes;
  const nodeName = useCallback((id: number) => nodes?.find((n) => n.id === id)?.name ?? `node ${id}`, [nodes]);

  const onRange = useCallback((start: Date, end: Date) => {
    const next = calendarQueryRange(start, end);
    setRange((current) => (current?.from === next.from && current.to === next.to ? current : next));
  }, []);

  const onDraw = (start: Date, end: Date) => {
    const block = blockFromRange(start, end);
    if (!block) {
      setProblem("A weekly block lasts at least 15 minutes and less than 24 hours.");
      return;
    }
    setProblem(null);
    setPanel({ kind: "new", block });
  };

  const onChange = ({ scheduleId, oldStart, start, end, revert }: BlockChange) => {
    const schedule = byId.get(scheduleId);
    const block = blockFromRange(start, end);
    if (!schedule || schedule.recurrence.type !== "weekly" || !block) {
      revert();
      setProblem("A weekly block lasts at least 15 minutes and less than 24 hours.");
      return;
    }
    const index = findBlockIndex(schedule.recurrence.blocks, oldStart);
    if (index === null) {
      revert();
      setProblem(`Could not tell which block of “${schedule.name}” this was (a DST shift?): change it in the form.`);
      return;
    }
    setProblem(null);
    const blocks = replaceBlock(schedule.recurrence.blocks, index, block);
    update.mutate(
      { id: schedule.id, body: { recurrence: { type: "weekly", blocks } } },
      { onError: revert, onSuccess: () => setPanel({ kind: "edit", id: schedule.id }) },
    );
  };

  const selected: Schedule | undefined = panel.kind === "edit" ? byId.get(panel.id) : undefined;
  const error = site.error ?? schedules.error ?? calendar.error;

  return (
    <>
      <PageHeader
        title="Schedules"
        subtitle={
          timezone
            ? `Times are the site's (${timezone}). ${canWrite ? "Drag on the grid to add a weekly block; drag a block to move it." : ""}`
            : "Loading…"
        }
        actions={
          canWrite && (
            <button type="button" className="button" onClick={() => setPanel({ kind: "new", block: null })}>
              New repeating rule
            </button>
          )
        }
      />
      {error && <ErrorMessage error={error} />}
      {update.isError && <ErrorMessage error={update.error} />}
      {problem && (
        <div className="alert alert--error" role="alert">
          <p>{problem}</p>
        </div>
      )}
      <div className="schedules">
        <div className="schedules__calendar card card--flush">
          {timezone && schedules.data && (
            <WeekCalendar
              firings={calendar.data ?? []}
              schedules={byId}
              selectedId={panel.kind === "edit" ? panel.id : null}
              canWrite={canWrite}
              now={now}
              onRange={onRange}
              onDraw={onDraw}
              onPick={(id) => setPanel({ kind: "edit", id })}
              onChange={onChange}
            />
          )}
        </div>
        <aside className="schedules__side" aria-label="Selected schedule">
          {panel.kind === "new" && (
            <CreateSchedulePanel
              key={panel.block ? `${panel.block.day}-${panel.block.start}-${panel.block.end}` : "rrule"}
              block={panel.block}
              outputs={outputs}
              nodeName={nodeName}
              onCreated={(schedule) => setPanel({ kind: "edit", id: schedule.id })}
              onCancel={() => setPanel({ kind: "none" })}
            />
          )}
          {selected && (
            <EditSchedulePanel
              key={selected.id}
              schedule={selected}
              outputs={outputs}
              nodeName={nodeName}
              onClose={() => setPanel({ kind: "none" })}
            />
          )}
          {panel.kind === "none" && (
            <p className="card muted">
              Select a schedule to see its next firings{canWrite ? ", or drag on the grid to create one" : ""}.
            </p>
          )}
        </aside>
      </div>
    </>
  );
}
