import { useState, type FormEvent } from "react";
import { formErrors, withLocalProblems } from "../../../api/field-errors";
import { FormSummary } from "../../../components/field";
import type { OutputState } from "../../live-state";
import { useCreateSchedule } from "../api/create-schedule";
import { describeBlock, type Block } from "../calendar-blocks";
import { checkScheduleForm, emptyScheduleForm, scheduleFormFields, toScheduleCreate, type Schedule } from "../schedule-form";
import { ScheduleFields } from "./schedule-fields";

interface CreateSchedulePanelProps {
  /** The block drawn on the grid; null for a new RRULE schedule. */
  block: Block | null;
  outputs: readonly OutputState[];
  nodeName: (nodeId: number) => string;
  onCreated: (schedule: Schedule) => void;
  onCancel: () => void;
}

/** A new schedule: the weekly block drawn on the grid (or an RRULE), what it sets, its priority. */
export function CreateSchedulePanel({ block, outputs, nodeName, onCreated, onCancel }: CreateSchedulePanelProps) {
  const create = useCreateSchedule();
  const [form, setForm] = useState(() => ({
    ...emptyScheduleForm(),
    rrule: block ? null : { rrule: "FREQ=WEEKLY;BYDAY=MO,WE,FR", dtstart: "", duration_minutes: "30" },
  }));
  const [tried, setTried] = useState(false);
  const errors = withLocalProblems(
    tried ? checkScheduleForm(form) : {},
    formErrors(create.error, scheduleFormFields(form)),
  );
  const blockError =
    errors.byField["recurrence.blocks[0].start"] ??
    errors.byField["recurrence.blocks[0].end"] ??
    errors.byField["recurrence.blocks[0]"] ??
    errors.byField["recurrence.blocks"];

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (Object.keys(checkScheduleForm(form)).length > 0) return;
    create.mutate(toScheduleCreate(form, block), { onSuccess: onCreated });
  };

  return (
    <form className="card form" onSubmit={submit} noValidate aria-labelledby="new-schedule-title" data-new-schedule="">
      <h2 id="new-schedule-title" className="card__title">
        New schedule
      </h2>
      {block && (
        <p>
          Every <strong>{describeBlock(block)}</strong>, in the site's time.
        </p>
      )}
      {blockError && <p className="field__error">{blockError}</p>}
      <FormSummary text={errors.summary} />
      <ScheduleFields form={form} setForm={setForm} errors={errors.byField} outputs={outputs} nodeName={nodeName} />
      <div className="actions">
        <button type="submit" className="button button--primary" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create schedule"}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
