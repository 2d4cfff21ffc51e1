import { useState, type FormEvent } from "react";
import { formErrors, withLocalProblems } from "../../../api/field-errors";
import { ConfirmButton } from "../../../components/confirm-button";
import { ErrorMessage } from "../../../components/error-message";
import { FormSummary } from "../../../components/field";
import { formatDateTime } from "../../../lib/format";
import { useCan } from "../../auth";
import type { OutputState } from "../../live-state";
import { useDeleteSchedule } from "../api/delete-schedule";
import { useRunSchedule } from "../api/run-schedule";
import { useUpdateSchedule } from "../api/update-schedule";
import { describeBlock } from "../calendar-blocks";
import { checkScheduleForm, scheduleFormFields, scheduleToForm, toScheduleUpdate, type Schedule } from "../schedule-form";
import { ScheduleFields } from "./schedule-fields";
import { SchedulePreview } from "./schedule-preview";

interface EditSchedulePanelProps {
  schedule: Schedule;
  outputs: readonly OutputState[];
  nodeName: (nodeId: number) => string;
  onClose: () => void;
}

/** One schedule: its next firings, run now, change it (PATCH), delete it. */
export function EditSchedulePanel({ schedule, outputs, nodeName, onClose }: EditSchedulePanelProps) {
  const canWrite = useCan("schedules.write");
  const canRun = useCan("schedules.run");
  const update = useUpdateSchedule();
  const remove = useDeleteSchedule();
  const run = useRunSchedule();
  const [form, setForm] = useState(() => scheduleToForm(schedule));
  const [tried, setTried] = useState(false);
  const errors = withLocalProblems(
    tried ? checkScheduleForm(form) : {},
    formErrors(update.error, scheduleFormFields(form)),
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (Object.keys(checkScheduleForm(form)).length > 0) return;
    update.mutate({ id: schedule.id, body: toScheduleUpdate(form, schedule) });
  };

  const recurrence = schedule.recurrence;
  return (
    <div className="stack" data-schedule-panel={schedule.id}>
      <section className="card stack">
        <div className="toolbar">
          <h2 className="card__title">{schedule.name}</h2>
          <button type="button" className="button button--small" onClick={onClose}>
            Close
          </button>
        </div>
        <p className="small muted">
          {recurrence.type === "weekly"
            ? `Weekly: ${recurrence.blocks.map(describeBlock).join(", ")}. Drag its blocks on the grid to move them.`
            : `Repeats by rule ${recurrence.rrule} from ${recurrence.dtstart}, ${recurrence.duration_minutes} min each time.`}
        </p>
        {canRun && (
          <div className="actions">
            <button type="button" className="button" disabled={run.isPending} onClick={() => run.mutate(schedule.id)}>
              {run.isPending ? "Starting…" : "Run now"}
            </button>
            {run.data && (
              <span className="small tone--ok" role="status">
                Running until {formatDateTime(run.data.end)}.
              </span>
            )}
          </div>
        )}
        {run.isError && <ErrorMessage error={run.error} />}
        <SchedulePreview scheduleId={schedule.id} />
      </section>
      {canWrite && (
        <form className="card form" onSubmit={submit} noValidate aria-label={`Change ${schedule.name}`}>
          <FormSummary text={errors.summary} />
          {update.isSuccess && !update.isPending && (
            <p className="small tone--ok" role="status">
              Saved.
            </p>
          )}
          <ScheduleFields form={form} setForm={setForm} errors={errors.byField} outputs={outputs} nodeName={nodeName} />
          <div className="actions">
            <button type="submit" className="button button--primary" disabled={update.isPending}>
              {update.isPending ? "Saving…" : "Save changes"}
            </button>
            <ConfirmButton
              label="Delete"
              question={`Delete “${schedule.name}”? Outputs it holds return to their default.`}
              confirmLabel="Yes, delete"
              busy={remove.isPending}
              onConfirm={() => remove.mutate(schedule.id, { onSuccess: onClose })}
            />
          </div>
          {remove.isError && <ErrorMessage error={remove.error} />}
        </form>
      )}
    </div>
  );
}
