import { useState } from "react";
import { keysOf, SENSOR_KIND_LABELS } from "../../../api/enums";
import { describeApiError } from "../../../api/describe-api-error";
import { formErrors, withLocalProblems } from "../../../api/field-errors";
import { ConfirmButton } from "../../../components/confirm-button";
import { Field } from "../../../components/field";
import { ItemForm, ManageList } from "../../../components/manage-list";
import type { SensorState } from "../../live-state";
import { useCreateSensor } from "../api/create-sensor";
import { useDeleteSensor } from "../api/delete-sensor";
import { useUpdateSensor } from "../api/update-sensor";
import {
  checkSensorForm,
  emptySensorForm,
  SENSOR_FORM_FIELDS,
  sensorToForm,
  toSensorDeclaration,
  toSensorUpdate,
  type SensorForm,
} from "../sensor-form";

/** The fields both editing and adding show; `isNew` adds key and kind, which are fixed afterwards. */
function SensorFields({
  form,
  errors,
  isNew,
  onChange,
}: {
  form: SensorForm;
  errors: Record<string, string>;
  isNew: boolean;
  onChange: (change: Partial<SensorForm>) => void;
}) {
  return (
    <div className="form__grid form__grid--tight">
      {isNew && (
        <Field label="Key" error={errors.key} hint="How the node names it: a-z, 0-9, _">
          {(c) => (
            <input
              {...c}
              className="mono"
              autoCapitalize="none"
              spellCheck={false}
              value={form.key}
              onChange={(e) => onChange({ key: e.target.value })}
            />
          )}
        </Field>
      )}
      <Field label="Name" error={errors.name}>
        {(c) => <input {...c} value={form.name} onChange={(e) => onChange({ name: e.target.value })} />}
      </Field>
      {isNew && (
        <Field label="Kind" error={errors.kind}>
          {(c) => (
            <select {...c} value={form.kind} onChange={(e) => onChange({ kind: e.target.value as SensorForm["kind"] })}>
              {keysOf(SENSOR_KIND_LABELS).map((kind) => (
                <option key={kind} value={kind}>
                  {SENSOR_KIND_LABELS[kind]}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      <Field label="Unit" error={errors.unit} hint="Such as °C or %">
        {(c) => <input {...c} value={form.unit} onChange={(e) => onChange({ unit: e.target.value })} />}
      </Field>
      <Field label="Reading every (s)" error={errors.interval_s} hint="1–86400">
        {(c) => (
          <input
            {...c}
            inputMode="numeric"
            value={form.interval_s}
            onChange={(e) => onChange({ interval_s: e.target.value })}
          />
        )}
      </Field>
      <Field label="Keep readings (days)" error={errors.retention_days} hint="1–3650; hourly summaries stay longer">
        {(c) => (
          <input
            {...c}
            inputMode="numeric"
            value={form.retention_days}
            onChange={(e) => onChange({ retention_days: e.target.value })}
          />
        )}
      </Field>
    </div>
  );
}

function EditSensor({ sensor, onDone }: { sensor: SensorState; onDone: () => void }) {
  const update = useUpdateSensor();
  return (
    <ItemForm
      label={`Change ${sensor.name}`}
      submitLabels={["Save", "Saving…"]}
      initial={() => sensorToForm(sensor)}
      check={(form) => checkSensorForm(form)}
      serverErrors={(local) => withLocalProblems(local, formErrors(update.error, SENSOR_FORM_FIELDS))}
      pending={update.isPending}
      onSubmit={(form) => {
        const body = toSensorUpdate(form, sensor);
        if (Object.keys(body).length === 0) return onDone();
        update.mutate({ id: sensor.id, body }, { onSuccess: onDone });
      }}
      onCancel={onDone}
      renderFields={(form, errors, onChange) => (
        <SensorFields form={form} errors={errors} isNew={false} onChange={onChange} />
      )}
    />
  );
}

function SensorItem({ sensor }: { sensor: SensorState }) {
  const [editing, setEditing] = useState(false);
  const remove = useDeleteSensor();
  return (
    <li className="setting" data-sensor-setting={sensor.id}>
      {editing ? (
        <EditSensor sensor={sensor} onDone={() => setEditing(false)} />
      ) : (
        <div className="setting__row">
          <div className="setting__text">
            <strong>{sensor.name}</strong>
            <span className="small muted">
              <span className="mono">{sensor.key}</span> · {SENSOR_KIND_LABELS[sensor.kind]}
              {sensor.unit && ` · ${sensor.unit}`} · every {sensor.interval_s} s · kept {sensor.retention_days} d
            </span>
          </div>
          <div className="setting__actions">
            <button type="button" className="button button--small" onClick={() => setEditing(true)}>
              Edit
            </button>
            <ConfirmButton
              label="Remove"
              small
              question={`Remove ${sensor.name} from this node? Its past readings stay until retention removes them.`}
              confirmLabel="Yes, remove it"
              busy={remove.isPending}
              onConfirm={() => remove.mutate({ id: sensor.id, nodeId: sensor.node_id, purge: false })}
            />
          </div>
        </div>
      )}
      {remove.isError && (
        <p className="field__error" role="alert">
          {describeApiError(remove.error)}
        </p>
      )}
    </li>
  );
}

function AddSensor({ nodeId, takenKeys, onDone }: { nodeId: number; takenKeys: string[]; onDone: () => void }) {
  const create = useCreateSensor();
  return (
    <ItemForm
      label="Add a sensor"
      title="New sensor"
      submitLabels={["Add sensor", "Adding…"]}
      initial={emptySensorForm}
      check={(form) => checkSensorForm(form, takenKeys)}
      serverErrors={(local) => withLocalProblems(local, formErrors(create.error, SENSOR_FORM_FIELDS))}
      pending={create.isPending}
      onSubmit={(form) => create.mutate({ nodeId, body: toSensorDeclaration(form) }, { onSuccess: onDone })}
      onCancel={onDone}
      renderFields={(form, errors, onChange) => <SensorFields form={form} errors={errors} isNew onChange={onChange} />}
    />
  );
}

/** A node's sensors for those who manage nodes: rename, unit, interval, retention; add and remove. */
export function SensorSettings({ nodeId, sensors }: { nodeId: number; sensors: readonly SensorState[] }) {
  return (
    <ManageList
      kind="sensors"
      items={sensors}
      renderItem={(sensor) => <SensorItem key={sensor.id} sensor={sensor} />}
      addLabel="Add a sensor"
      renderAdd={(done) => <AddSensor nodeId={nodeId} takenKeys={sensors.map((x) => x.key)} onDone={done} />}
    />
  );
}
