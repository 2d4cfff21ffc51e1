import type { components } from "../../api/schema";
import type { Block } from "./calendar-blocks";

type Schemas = components["schemas"];
export type Schedule = Schemas["Schedule"];
export type ScheduleCreate = Schemas["ScheduleCreate"];
export type ScheduleUpdate = Schemas["ScheduleUpdate"];
export type Recurrence = Schemas["Recurrence"];
export type Action = Schemas["Action"];
export type SetOutput = Extract<Action, { type: "set_output" }>;
export type RruleRecurrence = Extract<Recurrence, { type: "rrule" }>;

/** What the schedule form edits. Numbers stay text until sent, so a half-typed value is kept. */
export interface ScheduleForm {
  name: string;
  priority: string;
  enabled: boolean;
  /** The outputs it sets, by output id: the state as text ("1", "0", "40"). */
  outputs: Record<number, string>;
  /** Only for RRULE schedules. */
  rrule: { rrule: string; dtstart: string; duration_minutes: string } | null;
}

export function emptyScheduleForm(): ScheduleForm {
  return { name: "", priority: "0", enabled: true, outputs: {}, rrule: null };
}

export function scheduleToForm(schedule: Schedule): ScheduleForm {
  const outputs: Record<number, string> = {};
  for (const action of schedule.actions) {
    if (action.type === "set_output") outputs[action.output_id] = String(action.state);
  }
  const r = schedule.recurrence;
  return {
    name: schedule.name,
    priority: String(schedule.priority),
    enabled: schedule.enabled,
    outputs,
    rrule:
      r.type === "rrule"
        ? { rrule: r.rrule, dtstart: r.dtstart, duration_minutes: String(r.duration_minutes) }
        : null,
  };
}

const INTEGER = /^-?\d+$/;
const DTSTART = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

/** The API field names the form shows a problem beside, for `actions` in the order sent. */
export function scheduleFormFields(form: ScheduleForm): string[] {
  const fields = ["name", "priority", "enabled", "actions", "recurrence", "recurrence.blocks", "recurrence.blocks[0]"];
  fields.push("recurrence.blocks[0].start", "recurrence.blocks[0].end");
  fields.push("recurrence.rrule", "recurrence.dtstart", "recurrence.duration_minutes");
  Object.keys(form.outputs).forEach((_, i) => fields.push(`actions[${i}].state`, `actions[${i}].output_id`));
  return fields;
}

/** Problems visible before sending, by API field name (empty when none). */
export function checkScheduleForm(form: ScheduleForm): Record<string, string> {
  const problems: Record<string, string> = {};
  const name = form.name.trim();
  if (name === "") problems.name = "is required";
  else if ([...name].length > 64) problems.name = "must be at most 64 characters";
  if (!INTEGER.test(form.priority.trim())) problems.priority = "must be a whole number";
  else if (Math.abs(Number(form.priority)) > 1000) problems.priority = "must be from -1000 to 1000";
  Object.values(form.outputs).forEach((state, i) => {
    if (!INTEGER.test(state.trim())) problems[`actions[${i}].state`] = "must be a whole number";
  });
  if (form.rrule) {
    if (form.rrule.rrule.trim() === "") problems["recurrence.rrule"] = "is required";
    if (!DTSTART.test(form.rrule.dtstart.trim())) problems["recurrence.dtstart"] = "must look like 2026-03-01T06:00";
    const minutes = form.rrule.duration_minutes.trim();
    if (!INTEGER.test(minutes) || Number(minutes) <= 0) {
      problems["recurrence.duration_minutes"] = "must be a whole number of minutes above 0";
    }
  }
  return problems;
}

/**
 * The actions to send: the outputs the form sets (by output id, in a stable
 * order) and whatever other actions (alarms) the schedule already had.
 */
export function formActions(form: ScheduleForm, keep: readonly Action[] = []): Action[] {
  const sets: Action[] = Object.entries(form.outputs)
    .map(([id, state]) => ({ type: "set_output" as const, output_id: Number(id), state: Number(state.trim()) }))
    .sort((a, b) => a.output_id - b.output_id);
  return [...sets, ...keep.filter((a) => a.type !== "set_output")];
}

function rruleRecurrence(form: NonNullable<ScheduleForm["rrule"]>): RruleRecurrence {
  return {
    type: "rrule",
    rrule: form.rrule.trim(),
    dtstart: form.dtstart.trim(),
    duration_minutes: Number(form.duration_minutes.trim()),
  };
}

/** POST /api/schedules for a block drawn on the week view (or an RRULE from the form). */
export function toScheduleCreate(form: ScheduleForm, block: Block | null): ScheduleCreate {
  const recurrence: Recurrence = form.rrule
    ? rruleRecurrence(form.rrule)
    : { type: "weekly", blocks: block ? [block] : [] };
  return {
    name: form.name.trim(),
    priority: Number(form.priority.trim()),
    enabled: form.enabled,
    actions: formActions(form),
    recurrence,
  };
}

/** PATCH /api/schedules/{id} from the edit form (weekly blocks are changed on the grid). */
export function toScheduleUpdate(form: ScheduleForm, schedule: Schedule): ScheduleUpdate {
  const update: ScheduleUpdate = {
    name: form.name.trim(),
    priority: Number(form.priority.trim()),
    enabled: form.enabled,
    actions: formActions(form, schedule.actions),
  };
  if (form.rrule) update.recurrence = rruleRecurrence(form.rrule);
  return update;
}
