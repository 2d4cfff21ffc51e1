import { useState, type FormEvent } from "react";
import { CAPABILITY_LABELS, type Capability } from "../../../api/enums";
import { formErrors, withLocalProblems } from "../../../api/field-errors";
import { CopySecret } from "../../../components/copy-secret";
import { Field, FormSummary } from "../../../components/field";
import { useNow } from "../../../lib/use-now";
import { useCurrentSession } from "../../auth";
import { useCreateApiToken } from "../api/create-api-token";
import { checkTokenForm, toApiTokenCreate, TOKEN_FORM_FIELDS, type TokenForm } from "../token-form";

/** POST /api/api-tokens: a name, some of my permissions, an optional last day; the secret shown once. */
export function CreateTokenForm() {
  const mine = useCurrentSession().capabilities;
  const create = useCreateApiToken();
  const [form, setForm] = useState<TokenForm>({ name: "", capabilities: [], expiresOn: "" });
  const [tried, setTried] = useState(false);
  const now = useNow();
  const local = tried ? checkTokenForm(form, mine, now) : {};
  const errors = withLocalProblems(local, formErrors(create.error, TOKEN_FORM_FIELDS));

  const toggle = (capability: Capability) =>
    setForm((f) => ({
      ...f,
      capabilities: f.capabilities.includes(capability)
        ? f.capabilities.filter((c) => c !== capability)
        : [...f.capabilities, capability],
    }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (Object.keys(checkTokenForm(form, mine, now)).length > 0) return;
    create.mutate(toApiTokenCreate(form), {
      onSuccess: () => {
        setForm({ name: "", capabilities: [], expiresOn: "" });
        setTried(false);
      },
    });
  };

  if (create.data) {
    return (
      <section className="card" aria-labelledby="token-created-title">
        <h2 id="token-created-title" className="card__title">
          Token “{create.data.token.name}” created
        </h2>
        <p>
          Scripts send it in the header <code>Authorization: Bearer &lt;secret&gt;</code>
        </p>
        <CopySecret
          label="Token secret"
          secret={create.data.secret}
          note="Shown only now: it cannot be displayed again."
          onDone={() => create.reset()}
        />
      </section>
    );
  }

  return (
    <form className="card form" onSubmit={submit} noValidate aria-labelledby="create-token-title">
      <h2 id="create-token-title" className="card__title">
        Create a token
      </h2>
      <FormSummary text={errors.summary} />
      <div className="form__grid">
        <Field label="Name" error={errors.byField.name} hint="What uses it, such as “grafana”">
          {(c) => <input {...c} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />}
        </Field>
        <Field label="Last day (optional)" error={errors.byField.expires_at} hint="Works until the end of that day">
          {(c) => (
            <input
              {...c}
              type="date"
              value={form.expiresOn}
              onChange={(e) => setForm({ ...form, expiresOn: e.target.value })}
            />
          )}
        </Field>
      </div>
      <fieldset className={errors.byField.capabilities ? "checks field--invalid" : "checks"}>
        <legend>Permissions (from your own)</legend>
        {errors.byField.capabilities && <p className="field__error">{errors.byField.capabilities}</p>}
        <div className="checks__grid">
          {mine.map((capability) => (
            <label key={capability} className="check">
              <input
                type="checkbox"
                checked={form.capabilities.includes(capability)}
                onChange={() => toggle(capability)}
              />
              <span>
                {CAPABILITY_LABELS[capability]} <span className="muted mono small">{capability}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <div className="actions">
        <button type="submit" className="button button--primary" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create token"}
        </button>
      </div>
    </form>
  );
}
