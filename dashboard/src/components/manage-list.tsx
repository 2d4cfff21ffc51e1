import { useState, type FormEvent, type ReactNode } from "react";
import { FormSummary } from "./field";

/** The form summary when fields are marked: the server's words, else a pointer to the fields. */
export function summaryOf(local: Record<string, string>, server: string | null): string | null {
  return server ?? (Object.keys(local).length > 0 ? "Please correct the fields marked below." : null);
}

/**
 * A node's sensors or outputs for those who manage nodes: a collapsible list of editable items
 * and, on request, the form that adds one.
 */
export function ManageList<T>({
  kind,
  items,
  renderItem,
  addLabel,
  renderAdd,
}: {
  /** `sensors` or `outputs`: names the section (`data-manage`, "Edit sensors"). */
  kind: string;
  items: readonly T[];
  renderItem: (item: T) => ReactNode;
  addLabel: string;
  renderAdd: (done: () => void) => ReactNode;
}) {
  const [adding, setAdding] = useState(false);
  return (
    <details className="manage" data-manage={kind}>
      <summary className="manage__summary">Edit {kind}</summary>
      <div className="manage__body">
        {items.length > 0 && (
          <ul className="settings" role="list">
            {items.map(renderItem)}
          </ul>
        )}
        {adding ? (
          renderAdd(() => setAdding(false))
        ) : (
          <button type="button" className="button" onClick={() => setAdding(true)}>
            {addLabel}
          </button>
        )}
      </div>
    </details>
  );
}

/**
 * The form that adds an item: fields checked locally once submitted, then by the server, with
 * problems shown next to the fields and in a summary.
 */
export function NewItemForm<F>({
  noun,
  aNoun,
  initial,
  check,
  serverErrors,
  pending,
  onCreate,
  onCancel,
  renderFields,
}: {
  /** "sensor" or "output": the form's title and button. */
  noun: string;
  /** "a sensor", "an output": the form's accessible name. */
  aNoun: string;
  /** Makes the empty form. */
  initial: () => F;
  check: (form: F) => Record<string, string>;
  /** The server's problems with the last attempt, given the local ones. */
  serverErrors: (local: Record<string, string>) => { summary: string | null; byField: Record<string, string> };
  pending: boolean;
  onCreate: (form: F) => void;
  onCancel: () => void;
  renderFields: (form: F, errors: Record<string, string>, onChange: (change: Partial<F>) => void) => ReactNode;
}) {
  const [form, setForm] = useState(initial);
  const [tried, setTried] = useState(false);
  const local = tried ? check(form) : {};
  const errors = serverErrors(local);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (Object.keys(check(form)).length > 0) return;
    onCreate(form);
  };

  return (
    <form className="form setting setting--new" onSubmit={submit} noValidate aria-label={`Add ${aNoun}`}>
      <h4 className="setting__title">New {noun}</h4>
      <FormSummary text={summaryOf(local, errors.summary)} />
      {renderFields(form, errors.byField, (change) => setForm((f) => ({ ...f, ...change })))}
      <div className="actions">
        <button type="submit" className="button button--primary" disabled={pending}>
          {pending ? "Adding…" : `Add ${noun}`}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
