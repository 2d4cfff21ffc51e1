import { useState, type FormEvent } from "react";
import { formErrors, withLocalProblems } from "../../../api/field-errors";
import { ErrorMessage } from "../../../components/error-message";
import { Field, FormSummary } from "../../../components/field";
import { RelativeTime } from "../../../components/relative-time";
import { useCan } from "../../auth";
import { ADOPT_FORM_FIELDS, checkAdoptForm, type Candidate } from "../adoption-form";
import { useCreateAdoptionToken } from "../api/create-adoption-token";
import { useCandidates } from "../api/list-candidates";
import { TokenHandover } from "./token-handover";

function AdoptForm({ candidate, onClose }: { candidate: Candidate; onClose: () => void }) {
  const create = useCreateAdoptionToken();
  const [name, setName] = useState("");
  const [tried, setTried] = useState(false);
  const errors = withLocalProblems(tried ? checkAdoptForm(name) : {}, formErrors(create.error, ADOPT_FORM_FIELDS));

  if (create.data) return <TokenHandover created={create.data} onDone={onClose} />;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (Object.keys(checkAdoptForm(name)).length > 0) return;
    create.mutate({ mac: candidate.mac, name: name.trim() });
  };
  return (
    <form className="form" onSubmit={submit} noValidate aria-label={`Adopt ${candidate.mac}`}>
      <FormSummary text={errors.summary} />
      <Field label="Name for the new node" error={errors.byField.name ?? errors.byField.mac} hint="Such as “Greenhouse 2”">
        {(c) => <input {...c} value={name} autoFocus onChange={(e) => setName(e.target.value)} />}
      </Field>
      <div className="actions">
        <button type="submit" className="button button--primary" disabled={create.isPending}>
          {create.isPending ? "Creating token…" : "Create adoption token"}
        </button>
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Devices that announced themselves and wait to be adopted; refreshed every 5 s. */
export function AdoptionCandidates() {
  const canManage = useCan("nodes.manage");
  const candidates = useCandidates();
  const [adopting, setAdopting] = useState<string | null>(null);
  return (
    <section className="section" aria-labelledby="adoption-title" data-adoption-candidates="">
      <h2 id="adoption-title" className="section__title">
        Waiting to be adopted
      </h2>
      {candidates.isError && (
        <ErrorMessage error={candidates.error} onRetry={() => void candidates.refetch()} retrying={candidates.isFetching} />
      )}
      {candidates.isPending && <p className="muted">Loading…</p>}
      {candidates.data && candidates.data.length === 0 && (
        <p className="card muted">
          No new devices. A node that is switched on and not yet adopted appears here within seconds.
        </p>
      )}
      {candidates.data && candidates.data.length > 0 && (
        <ul className="list-plain">
          {candidates.data.map((candidate) => (
            <li key={candidate.mac} className="card" data-candidate={candidate.mac}>
              <div className="candidate">
                <div>
                  <strong className="mono">{candidate.mac}</strong>
                  <span className="small block muted">
                    {candidate.model || "unknown model"}, agent {candidate.agent_version || "?"}
                    {candidate.ip ? `, ${candidate.ip}` : ""} · found by {candidate.source} · last heard{" "}
                    <RelativeTime iso={candidate.last_seen_at} />
                  </span>
                </div>
                {canManage && adopting !== candidate.mac && (
                  <button type="button" className="button button--primary" onClick={() => setAdopting(candidate.mac)}>
                    Adopt
                  </button>
                )}
              </div>
              {adopting === candidate.mac && <AdoptForm candidate={candidate} onClose={() => setAdopting(null)} />}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
