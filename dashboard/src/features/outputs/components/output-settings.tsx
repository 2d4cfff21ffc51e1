import { useState } from "react";
import { keysOf, OUTPUT_KIND_LABELS } from "../../../api/enums";
import { describeApiError } from "../../../api/describe-api-error";
import { formErrors, withLocalProblems } from "../../../api/field-errors";
import { ConfirmButton } from "../../../components/confirm-button";
import { Field } from "../../../components/field";
import { ItemForm, ManageList } from "../../../components/manage-list";
import type { OutputState } from "../../live-state";
import { useCreateOutput } from "../api/create-output";
import { useDeleteOutput } from "../api/delete-output";
import { useUpdateOutput } from "../api/update-output";
import { formatOutputState } from "../describe-output";
import {
  checkOutputForm,
  defaultStateHint,
  emptyOutputForm,
  OUTPUT_FORM_FIELDS,
  outputToForm,
  toOutputDeclaration,
  toOutputUpdate,
  type OutputForm,
} from "../output-form";

function OutputFields({
  form,
  errors,
  isNew,
  onChange,
}: {
  form: OutputForm;
  errors: Record<string, string>;
  isNew: boolean;
  onChange: (change: Partial<OutputForm>) => void;
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
            <select
              {...c}
              value={form.kind}
              onChange={(e) => onChange({ kind: e.target.value as OutputForm["kind"], default_state: "0" })}
            >
              {keysOf(OUTPUT_KIND_LABELS).map((kind) => (
                <option key={kind} value={kind}>
                  {OUTPUT_KIND_LABELS[kind]}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      <Field
        label="Default state"
        error={errors.default_state}
        hint={
          form.kind === "relay"
            ? "What it returns to when no schedule holds it"
            : `${defaultStateHint(form.kind)}: what it returns to when no schedule holds it`
        }
      >
        {(c) =>
          form.kind === "relay" ? (
            <select {...c} value={form.default_state} onChange={(e) => onChange({ default_state: e.target.value })}>
              <option value="0">Off</option>
              <option value="1">On</option>
            </select>
          ) : (
            <input
              {...c}
              inputMode="numeric"
              value={form.default_state}
              onChange={(e) => onChange({ default_state: e.target.value })}
            />
          )
        }
      </Field>
    </div>
  );
}

function EditOutput({ output, onDone }: { output: OutputState; onDone: () => void }) {
  const update = useUpdateOutput();
  return (
    <ItemForm
      label={`Change ${output.name}`}
      submitLabels={["Save", "Saving…"]}
      initial={() => outputToForm(output)}
      check={(form) => checkOutputForm(form)}
      serverErrors={(local) => withLocalProblems(local, formErrors(update.error, OUTPUT_FORM_FIELDS))}
      pending={update.isPending}
      onSubmit={(form) => {
        const body = toOutputUpdate(form, output);
        if (Object.keys(body).length === 0) return onDone();
        update.mutate({ id: output.id, body }, { onSuccess: onDone });
      }}
      onCancel={onDone}
      renderFields={(form, errors, onChange) => (
        <OutputFields form={form} errors={errors} isNew={false} onChange={onChange} />
      )}
    />
  );
}

function OutputItem({ output }: { output: OutputState }) {
  const [editing, setEditing] = useState(false);
  const remove = useDeleteOutput();
  return (
    <li className="setting" data-output-setting={output.id}>
      {editing ? (
        <EditOutput output={output} onDone={() => setEditing(false)} />
      ) : (
        <div className="setting__row">
          <div className="setting__text">
            <strong>{output.name}</strong>
            <span className="small muted">
              <span className="mono">{output.key}</span> · {OUTPUT_KIND_LABELS[output.kind]} · default{" "}
              {formatOutputState(output.kind, output.default_state)}
            </span>
          </div>
          <div className="setting__actions">
            <button type="button" className="button button--small" onClick={() => setEditing(true)}>
              Edit
            </button>
            <ConfirmButton
              label="Remove"
              small
              question={`Remove ${output.name} from this node? Its open commands expire; its history stays.`}
              confirmLabel="Yes, remove it"
              busy={remove.isPending}
              onConfirm={() => remove.mutate({ id: output.id, nodeId: output.node_id })}
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

function AddOutput({ nodeId, takenKeys, onDone }: { nodeId: number; takenKeys: string[]; onDone: () => void }) {
  const create = useCreateOutput();
  return (
    <ItemForm
      label="Add an output"
      title="New output"
      submitLabels={["Add output", "Adding…"]}
      initial={emptyOutputForm}
      check={(form) => checkOutputForm(form, takenKeys)}
      serverErrors={(local) => withLocalProblems(local, formErrors(create.error, OUTPUT_FORM_FIELDS))}
      pending={create.isPending}
      onSubmit={(form) => create.mutate({ nodeId, body: toOutputDeclaration(form) }, { onSuccess: onDone })}
      onCancel={onDone}
      renderFields={(form, errors, onChange) => <OutputFields form={form} errors={errors} isNew onChange={onChange} />}
    />
  );
}

/** A node's outputs for those who manage nodes: rename, default state; add and remove. */
export function OutputSettings({ nodeId, outputs }: { nodeId: number; outputs: readonly OutputState[] }) {
  return (
    <ManageList
      kind="outputs"
      items={outputs}
      renderItem={(output) => <OutputItem key={output.id} output={output} />}
      addLabel="Add an output"
      renderAdd={(done) => <AddOutput nodeId={nodeId} takenKeys={outputs.map((x) => x.key)} onDone={done} />}
    />
  );
}
