import { useState, type FormEvent, type ReactNode } from "react";
import { FormSummary } from "./field";

/** The form summary when fields are marked: the server's words, else a pointer to the fields. */
function summaryOf(local: Record<string, string>, server: string | null): string | null {
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
 * The form that adds or changes an item: fields checked locally once submitted, then by the
 * server, with problems shown next to the fields and in a summary.
 */
export function ItemForm<F>({
  label,
  title,
  submitLabels,
  initial,
  check,
  serverErrors,
  pending,
  onSubmit,
  onCancel,
  renderFields,
}: {
  /** The form's accessible name ("Add an output", "Change Vent fan"). */
  label: string;
  /** A heading, for a new item ("New output"). */
  title?: string;
  /** The submit button's words, idle and while the request runs. */
  submitLabels: [string, string];
  /** Makes the starting form. */
  initial: () => F;
  check: (form: F) => Record<string, string>;
  /** The server's problems with the last attempt, given the local ones. */
  serverErrors: (local: Record<string, string>) => { summary: string | null; byField: Record<string, string> };
  pending: boolean;
  /** Called with a form that passed the local checks. */
  onSubmit: (form: F) => void;
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
    onSubmit(form);
  };

  return (
    <form className={title ? "form setting setting--new" : "form"} onSubmit={submit} noValidate aria-label={label}>
      {title && <h4 className="setting__title">{title}</h4>}
      <FormSummary text={summaryOf(local, errors.summary)} />
      {renderFields(form, errors.byField, (change) => setForm((f) => ({ ...f, ...change })))}
      <div className="actions">
        <button type="submit" className="button button--primary" disabled={pending}>
          {pending ? submitLabels[1] : submitLabels[0]}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
