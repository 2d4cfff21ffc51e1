import { useState, type FormEvent } from "react";
import { formErrors, withLocalProblems } from "../../../api/field-errors";
import { Field, FormSummary } from "../../../components/field";
import { useChangePassword } from "../api/change-password";
import {
  checkPasswordForm,
  emptyPasswordForm,
  PASSWORD_FORM_FIELDS,
  PASSWORD_RULES,
  type PasswordForm,
} from "../password-form";
import { useCurrentSession } from "../session-context";

/** POST /api/auth/password for whoever is logged in, with the rules shown before typing. */
export function ChangePasswordForm() {
  const { user, method } = useCurrentSession();
  const change = useChangePassword();
  const [form, setForm] = useState<PasswordForm>(emptyPasswordForm);
  const [tried, setTried] = useState(false);
  const local = tried ? checkPasswordForm(form) : {};
  const errors = withLocalProblems(local, formErrors(change.error, PASSWORD_FORM_FIELDS));

  const set = (key: keyof PasswordForm, value: string) => {
    if (change.isSuccess) change.reset();
    setForm((f) => ({ ...f, [key]: value }));
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (Object.keys(checkPasswordForm(form)).length > 0) return;
    change.mutate(
      { current_password: form.current_password, new_password: form.new_password },
      {
        onSuccess: () => {
          setForm(emptyPasswordForm());
          setTried(false);
        },
      },
    );
  };

  if (method !== "session") {
    return (
      <section className="card" aria-labelledby="password-title">
        <h2 id="password-title" className="card__title">
          Your password
        </h2>
        <p className="muted">Passwords are changed from a browser session, not with an API token.</p>
      </section>
    );
  }

  const e = errors.byField;
  return (
    <form className="form card" onSubmit={submit} noValidate aria-labelledby="password-title">
      <h2 id="password-title" className="card__title">
        Your password
      </h2>
      <p className="small muted">
        For <strong>{user.username}</strong>. {PASSWORD_RULES} Changing it logs you out on every other device; this one
        stays logged in.
      </p>
      <FormSummary
        text={errors.summary ?? (Object.keys(local).length > 0 ? "Please correct the fields marked below." : null)}
      />
      {/* A hidden username lets password managers file the new password under the right account. */}
      <input type="text" name="username" autoComplete="username" value={user.username} readOnly hidden />
      <div className="form__grid">
        <Field label="Current password" error={e.current_password}>
          {(c) => (
            <input
              {...c}
              type="password"
              autoComplete="current-password"
              value={form.current_password}
              onChange={(ev) => set("current_password", ev.target.value)}
            />
          )}
        </Field>
        <Field label="New password" error={e.new_password}>
          {(c) => (
            <input
              {...c}
              type="password"
              autoComplete="new-password"
              value={form.new_password}
              onChange={(ev) => set("new_password", ev.target.value)}
            />
          )}
        </Field>
        <Field label="New password again" error={e.repeat}>
          {(c) => (
            <input
              {...c}
              type="password"
              autoComplete="new-password"
              value={form.repeat}
              onChange={(ev) => set("repeat", ev.target.value)}
            />
          )}
        </Field>
      </div>
      <div className="actions">
        <button type="submit" className="button button--primary" disabled={change.isPending}>
          {change.isPending ? "Changing…" : "Change password"}
        </button>
        {change.isSuccess && (
          <span className="small tone--ok" role="status">
            Password changed. Your other sessions have ended.
          </span>
        )}
      </div>
    </form>
  );
}
