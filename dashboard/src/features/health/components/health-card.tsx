import { describeApiError } from "../../../api/describe-api-error";
import { useHealth } from "../api/get-health";

export function HealthCard() {
  const health = useHealth();

  return (
    <section className="card" aria-labelledby="health-card-title" aria-busy={health.isFetching}>
      <h2 id="health-card-title" className="card__title">
        Farm Controller
      </h2>

      {health.isPending ? (
        <p className="card__muted">Checking core-server…</p>
      ) : health.isError ? (
        <div className="card__error" role="alert">
          <p>{describeApiError(health.error)}</p>
          <button type="button" onClick={() => void health.refetch()} disabled={health.isFetching}>
            {health.isFetching ? "Retrying…" : "Try again"}
          </button>
        </div>
      ) : (
        <>
          <p className="status">
            <span className={health.data.status === "ok" ? "status__dot status__dot--ok" : "status__dot"} />
            Server status: <strong>{health.data.status}</strong>
          </p>
          <dl className="facts">
            <div>
              <dt>Backend</dt>
              <dd>{health.data.backend}</dd>
            </div>
            <div>
              <dt>Version</dt>
              <dd>{health.data.version}</dd>
            </div>
            <div>
              <dt>Schema version</dt>
              <dd>{health.data.schema_version}</dd>
            </div>
          </dl>
        </>
      )}
    </section>
  );
}
