import { useState, type FormEvent } from "react";
import { keysOf, ROLE_LABELS, type Role } from "../../../api/enums";
import { formErrors, withLocalProblems } from "../../../api/field-errors";
import { Field, FormSummary } from "../../../components/field";
import { useCreateUser } from "../api/create-user";
import { checkUserForm, MIN_PASSWORD, toUserCreate, USER_FORM_FIELDS, type UserForm } from "../user-form";

const EMPTY: UserForm = { username: "", password: "", role: "viewer" };

/** POST /api/users, with problems shown beside the fields they concern. */
export function CreateUserForm() {
  const create = useCreateUser();
  const [form, setForm] = useState<UserForm>(EMPTY);
  const [tried, setTried] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const errors = withLocalProblems(tried ? checkUserForm(form) : {}, formErrors(create.error, USER_FORM_FIELDS));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    setCreated(null);
    if (Object.keys(checkUserForm(form)).length > 0) return;
    create.mutate(toUserCreate(form), {
      onSuccess: (user) => {
        setCreated(user.username);
        setForm(EMPTY);
        setTried(false);
      },
    });
  };

  return (
    <form className="card form" onSubmit={submit} noValidate aria-labelledby="create-user-title">
      <h2 id="create-user-title" className="card__title">
        Add a user
      </h2>
      <FormSummary text={errors.summary} />
      {created && (
        <p className="alert alert--ok" role="status">
          {created} can now log in.
        </p>
      )}
      <div className="form__grid">
        <Field label="Username" error={errors.byField.username} hint="3–32 of a-z, 0-9, . _ -">
          {(c) => (
            <input
              {...c}
              autoCapitalize="none"
              autoComplete="off"
              spellCheck={false}
              value={form.username}
              onChange={(e) => setForm({ ...form, username: e.target.value })}
            />
          )}
        </Field>
        <Field label="Password" error={errors.byField.password} hint={`At least ${MIN_PASSWORD} characters`}>
          {(c) => (
            <input
              {...c}
              type="password"
              autoComplete="new-password"
              value={form.password}
              onChange={(e) => setForm({ ...form, password: e.target.value })}
            />
          )}
        </Field>
        <Field label="Role" error={errors.byField.role}>
          {(c) => (
            <select {...c} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
              {keysOf(ROLE_LABELS).map((role) => (
                <option key={role} value={role}>
                  {ROLE_LABELS[role]}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <div className="actions">
        <button type="submit" className="button button--primary" disabled={create.isPending}>
          {create.isPending ? "Adding…" : "Add user"}
        </button>
      </div>
    </form>
  );
}
