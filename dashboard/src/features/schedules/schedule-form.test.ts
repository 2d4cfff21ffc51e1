import { describe, expect, it } from "vitest";
import {
  checkScheduleForm,
  emptyScheduleForm,
  scheduleToForm,
  toScheduleCreate,
  toScheduleUpdate,
  type Schedule,
} from "./schedule-form";

function schedule(overrides: Partial<Schedule> = {}): Schedule {
  return {
    id: 4,
    name: "Morning lights",
    enabled: true,
    priority: 5,
    recurrence: { type: "weekly", blocks: [{ day: "mon", start: "06:00", end: "08:00" }] },
    actions: [
      { type: "set_output", output_id: 3, state: 40 },
      { type: "alarm", severity: "info", message: "lights on" },
    ],
    missed_run_policy: "skip",
    created_at: "2026-03-01T00:00:00.000Z",
    updated_at: "2026-03-01T00:00:00.000Z",
    ...overrides,
  } as Schedule;
}

describe("the schedule form", () => {
  it("creates a weekly schedule from a drawn block", () => {
    const form = { ...emptyScheduleForm(), name: " Fan ", outputs: { 2: "1" } };
    expect(toScheduleCreate(form, { day: "tue", start: "22:00", end: "02:00" })).toEqual({
      name: "Fan",
      priority: 0,
      enabled: true,
      actions: [{ type: "set_output", output_id: 2, state: 1 }],
      recurrence: { type: "weekly", blocks: [{ day: "tue", start: "22:00", end: "02:00" }] },
    });
  });

  it("keeps an existing schedule's alarms and leaves weekly blocks alone when patching", () => {
    const s = schedule();
    const form = { ...scheduleToForm(s), priority: "7", outputs: { 3: "60" } };
    expect(toScheduleUpdate(form, s)).toEqual({
      name: "Morning lights",
      priority: 7,
      enabled: true,
      actions: [
        { type: "set_output", output_id: 3, state: 60 },
        { type: "alarm", severity: "info", message: "lights on" },
      ],
    });
  });

  it("edits an RRULE schedule's rule", () => {
    const s = schedule({ recurrence: { type: "rrule", rrule: "FREQ=DAILY", dtstart: "2026-03-01T06:00", duration_minutes: 30 } });
    const form = scheduleToForm(s);
    expect(form.rrule).toEqual({ rrule: "FREQ=DAILY", dtstart: "2026-03-01T06:00", duration_minutes: "30" });
    const update = toScheduleUpdate({ ...form, rrule: { ...form.rrule!, duration_minutes: "45" } }, s);
    expect(update.recurrence).toEqual({ type: "rrule", rrule: "FREQ=DAILY", dtstart: "2026-03-01T06:00", duration_minutes: 45 });
  });

  it("finds problems before sending", () => {
    const form = {
      ...emptyScheduleForm(),
      priority: "2000",
      outputs: { 2: "x" },
      rrule: { rrule: "", dtstart: "2026-03-01 06:00", duration_minutes: "0" },
    };
    expect(checkScheduleForm(form)).toEqual({
      name: "is required",
      priority: "must be from -1000 to 1000",
      "actions[0].state": "must be a whole number",
      "recurrence.rrule": "is required",
      "recurrence.dtstart": "must look like 2026-03-01T06:00",
      "recurrence.duration_minutes": "must be a whole number of minutes above 0",
    });
  });
});
