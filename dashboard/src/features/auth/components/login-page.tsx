import { useState, type FormEvent } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { formErrors } from "../../../api/field-errors";
import { Field, FormSummary } from "../../../components/field";
import { usePageTitle } from "../../../lib/use-page-title";
import { useLogin } from "../api/login";
import { safeNextPath } from "../next-path";

const FIELDS = ["username", "password"] as const;

/** POST /api/auth/login, then back to where the visitor was sent from. */
export function LoginPage() {
  usePageTitle("Log in");
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const login = useLogin();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const next = safeNextPath(params.get("next"));
  const errors = formErrors(login.error, FIELDS);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate({ username: username.trim(), password }, { onSuccess: () => void navigate(next, { replace: true }) });
  };

  return (
    <main className="center">
      <form className="card login" onSubmit={submit} aria-labelledby="login-title" noValidate>
        <h1 id="login-title" className="login__title">
          Farm Controller
        </h1>
        {next !== "/" && !login.isError && <p className="muted">Log in to continue to {next}.</p>}
        <FormSummary text={errors.summary} />
        <Field label="Username" error={errors.byField.username}>
          {(control) => (
            <input
              {...control}
              name="username"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              required
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          )}
        </Field>
        <Field label="Password" error={errors.byField.password}>
          {(control) => (
            <input
              {...control}
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <button
          type="submit"
          className="button button--primary"
          disabled={login.isPending || username.trim() === "" || password === ""}
        >
          {login.isPending ? "Logging in…" : "Log in"}
        </button>
      </form>
    </main>
  );
}
