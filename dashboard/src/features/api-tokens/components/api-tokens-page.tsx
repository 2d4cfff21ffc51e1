import { ConfirmButton } from "../../../components/confirm-button";
import { ErrorMessage } from "../../../components/error-message";
import { PageHeader } from "../../../components/page-header";
import { RelativeTime } from "../../../components/relative-time";
import { StatusBadge, type Tone } from "../../../components/status-badge";
import { formatDateTime } from "../../../lib/format";
import { useNow } from "../../../lib/use-now";
import { usePageTitle } from "../../../lib/use-page-title";
import { useApiTokens } from "../api/list-api-tokens";
import { useRevokeApiToken } from "../api/revoke-api-token";
import { tokenStatus, type ApiToken, type TokenStatus } from "../token-form";
import { CreateTokenForm } from "./create-token-form";

const STATUS_TONE: Record<TokenStatus, Tone> = { active: "ok", revoked: "muted", expired: "warn" };

function TokenRow({ token, now }: { token: ApiToken; now: number }) {
  const revoke = useRevokeApiToken();
  const status = tokenStatus(token, now);
  return (
    <tr data-token-id={token.id}>
      <td>
        <strong>{token.name}</strong>
        <span className="mono small block muted">{token.prefix}…</span>
        {revoke.isError && (
          <div className="cell-error">
            <ErrorMessage error={revoke.error} />
          </div>
        )}
      </td>
      <td>{token.username}</td>
      <td>
        <ul className="chips">
          {token.capabilities.map((c) => (
            <li key={c} className="chip mono">
              {c}
            </li>
          ))}
        </ul>
      </td>
      <td>
        <StatusBadge tone={STATUS_TONE[status]}>{status}</StatusBadge>
        {token.expires_at && status === "active" && (
          <span className="small block muted">until {formatDateTime(token.expires_at)}</span>
        )}
      </td>
      <td>
        <RelativeTime iso={token.last_used_at} />
      </td>
      <td>
        {status !== "revoked" && (
          <ConfirmButton
            label="Revoke"
            question={`Revoke “${token.name}”? Whatever uses it is refused from now on.`}
            confirmLabel="Yes, revoke"
            busy={revoke.isPending}
            onConfirm={() => revoke.mutate(token.id)}
          />
        )}
      </td>
    </tr>
  );
}

/** API tokens for scripts (tokens.manage): list, create with some of my permissions, revoke. */
export function ApiTokensPage() {
  usePageTitle("API tokens");
  const tokens = useApiTokens();
  const now = useNow();
  return (
    <>
      <PageHeader title="API tokens" subtitle="For scripts and other programs. A token's secret is shown once." />
      {tokens.isError && (
        <ErrorMessage error={tokens.error} onRetry={() => void tokens.refetch()} retrying={tokens.isFetching} />
      )}
      {tokens.isPending && <p className="muted">Loading…</p>}
      {tokens.data && tokens.data.length === 0 && <p className="card muted">No tokens yet.</p>}
      {tokens.data && tokens.data.length > 0 && (
        <div className="table-wrap card card--flush">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Owner</th>
                <th scope="col">Permissions</th>
                <th scope="col">Status</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((token) => (
                <TokenRow key={token.id} token={token} now={now} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CreateTokenForm />
    </>
  );
}
