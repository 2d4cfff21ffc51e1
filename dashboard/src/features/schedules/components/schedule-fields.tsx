import { Field } from "../../../components/field";
import type { OutputState } from "../../live-state";
import type { ScheduleForm } from "../schedule-form";

interface ScheduleFieldsProps {
  form: ScheduleForm;
  setForm: (form: ScheduleForm) => void;
  errors: Record<string, string>;
  outputs: readonly OutputState[];
  nodeName: (nodeId: number) => string;
}

/** Name, the outputs it sets and to what, priority, enabled; the rule for an RRULE schedule. */
export function ScheduleFields({ form, setForm, errors, outputs, nodeName }: ScheduleFieldsProps) {
  const chosen = Object.keys(form.outputs).map(Number);
  const toggle = (output: OutputState) => {
    const next = { ...form.outputs };
    if (output.id in next) delete next[output.id];
    else next[output.id] = output.kind === "level" ? "50" : "1";
    setForm({ ...form, outputs: next });
  };
  const actionsError = errors.actions;
  return (
    <>
      <Field label="Name" error={errors.name}>
        {(c) => <input {...c} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />}
      </Field>
      <fieldset className={actionsError ? "checks field--invalid" : "checks"}>
        <legend>Outputs it sets</legend>
        {actionsError && <p className="field__error">{actionsError}</p>}
        {outputs.length === 0 && <p className="muted small">No outputs yet.</p>}
        {outputs.map((output) => {
          const index = chosen.indexOf(output.id);
          const on = index >= 0;
          const problem = on ? (errors[`actions[${index}].state`] ?? errors[`actions[${index}].output_id`]) : undefined;
          return (
            <div key={output.id} className="sched-output">
              <label className="check">
                <input type="checkbox" checked={on} onChange={() => toggle(output)} />
                <span>
                  {output.name} <span className="muted small">({nodeName(output.node_id)})</span>
                </span>
              </label>
              {on && output.kind === "relay" && (
                <select
                  aria-label={`State of ${output.name}`}
                  value={form.outputs[output.id]}
                  onChange={(e) => setForm({ ...form, outputs: { ...form.outputs, [output.id]: e.target.value } })}
                >
                  <option value="1">On</option>
                  <option value="0">Off</option>
                </select>
              )}
              {on && output.kind === "level" && (
                <span className="inline-field">
                  <input
                    type="number"
                    min={0}
                    max={100}
                    aria-label={`Level of ${output.name} (%)`}
                    value={form.outputs[output.id]}
                    onChange={(e) => setForm({ ...form, outputs: { ...form.outputs, [output.id]: e.target.value } })}
                  />
                  %
                </span>
              )}
              {problem && <p className="field__error">{problem}</p>}
            </div>
          );
        })}
      </fieldset>
      <div className="form__grid">
        <Field label="Priority" error={errors.priority} hint="Higher wins an output two schedules want (-1000 to 1000)">
          {(c) => (
            <input
              {...c}
              inputMode="numeric"
              value={form.priority}
              onChange={(e) => setForm({ ...form, priority: e.target.value })}
            />
          )}
        </Field>
        <label className="check">
          <input type="checkbox" checked={form.enabled} onChange={(e) => setForm({ ...form, enabled: e.target.checked })} />
          <span>Enabled</span>
        </label>
      </div>
      {form.rrule && (
        <fieldset className="checks">
          <legend>Repeats (RRULE, in the site's time)</legend>
          <Field label="Rule" error={errors["recurrence.rrule"] ?? errors.recurrence} hint="Such as FREQ=WEEKLY;BYDAY=MO,WE,FR">
            {(c) => (
              <input
                {...c}
                className="mono"
                value={form.rrule?.rrule ?? ""}
                onChange={(e) => form.rrule && setForm({ ...form, rrule: { ...form.rrule, rrule: e.target.value } })}
              />
            )}
          </Field>
          <div className="form__grid">
            <Field label="First start" error={errors["recurrence.dtstart"]} hint="YYYY-MM-DDTHH:MM, local time">
              {(c) => (
                <input
                  {...c}
                  className="mono"
                  value={form.rrule?.dtstart ?? ""}
                  onChange={(e) => form.rrule && setForm({ ...form, rrule: { ...form.rrule, dtstart: e.target.value } })}
                />
              )}
            </Field>
            <Field label="Minutes each time" error={errors["recurrence.duration_minutes"]}>
              {(c) => (
                <input
                  {...c}
                  inputMode="numeric"
                  value={form.rrule?.duration_minutes ?? ""}
                  onChange={(e) =>
                    form.rrule && setForm({ ...form, rrule: { ...form.rrule, duration_minutes: e.target.value } })
                  }
                />
              )}
            </Field>
          </div>
        </fieldset>
      )}
    </>
  );
}
