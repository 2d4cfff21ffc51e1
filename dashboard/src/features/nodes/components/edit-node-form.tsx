import { useState, type FormEvent } from "react";
import { formErrors, withLocalProblems } from "../../../api/field-errors";
import { Field, FormSummary } from "../../../components/field";
import type { Node } from "../../live-state";
import { useUpdateNode } from "../api/update-node";
import { checkNodeEditForm, NODE_EDIT_FIELDS, nodeToEditForm, toNodeUpdate, type NodeEditForm } from "../node-edit-form";

/** PATCH /api/nodes/{id}: rename the node or change how often it checks in. */
export function EditNodeForm({ node, onDone }: { node: Node; onDone: () => void }) {
  const update = useUpdateNode();
  const [form, setForm] = useState<NodeEditForm>(() => nodeToEditForm(node));
  const [tried, setTried] = useState(false);
  const local = tried ? checkNodeEditForm(form) : {};
  const errors = withLocalProblems(local, formErrors(update.error, NODE_EDIT_FIELDS));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (Object.keys(checkNodeEditForm(form)).length > 0) return;
    const body = toNodeUpdate(form, node);
    if (Object.keys(body).length === 0) return onDone();
    update.mutate({ id: node.id, body }, { onSuccess: onDone });
  };

  const e = errors.byField;
  return (
    <form className="form card" onSubmit={submit} noValidate aria-labelledby="edit-node-title">
      <h2 id="edit-node-title" className="card__title">
        Change {node.name}
      </h2>
      <FormSummary
        text={errors.summary ?? (Object.keys(local).length > 0 ? "Please correct the fields marked below." : null)}
      />
      <div className="form__grid">
        <Field label="Name" error={e.name}>
          {(c) => <input {...c} value={form.name} onChange={(ev) => setForm({ ...form, name: ev.target.value })} />}
        </Field>
        <Field
          label="Heartbeat every (s)"
          error={e.heartbeat_interval_s}
          hint="5–3600. The node counts as offline after missing a few."
        >
          {(c) => (
            <input
              {...c}
              inputMode="numeric"
              value={form.heartbeat_interval_s}
              onChange={(ev) => setForm({ ...form, heartbeat_interval_s: ev.target.value })}
            />
          )}
        </Field>
      </div>
      <div className="actions">
        <button type="submit" className="button button--primary" disabled={update.isPending}>
          {update.isPending ? "Saving…" : "Save"}
        </button>
        <button type="button" className="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
