import { useState, type FormEvent } from "react";
import { formErrors } from "../../../api/field-errors";
import { Field, FormSummary } from "../../../components/field";
import { useRestoreBackup } from "../api/restore-backup";
import { restoreConfirmed } from "../backup-words";

/** Restore with a typed confirmation: the backup's name, exactly. */
export function RestoreBackup({ name, onClose }: { name: string; onClose: () => void }) {
  const restore = useRestoreBackup();
  const [typed, setTyped] = useState("");
  const errors = formErrors(restore.error, ["confirm"]);
  const ready = restoreConfirmed(name, typed);

  if (restore.data) {
    return (
      <div className="alert alert--ok" role="status" data-restored="">
        <p>
          Restored <span className="mono">{restore.data.restored}</span>. The data as it was just before is kept in
          the safety backup <strong className="mono">{restore.data.safety_backup}</strong>, in case this was a
          mistake.
        </p>
        <button type="button" className="button" onClick={onClose}>
          Done
        </button>
      </div>
    );
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (ready) restore.mutate({ name, confirm: typed.trim() });
  };

  return (
    <form className="confirm form" onSubmit={submit} noValidate aria-label={`Restore ${name}`}>
      <p className="confirm__question">
        Restoring replaces <strong>all</strong> current data (nodes, readings, users, schedules) with this backup. A
        safety backup of the current data is taken first. Type the backup's name to confirm.
      </p>
      <FormSummary text={errors.summary} />
      <Field label={`Type “${name}”`} error={errors.byField.confirm}>
        {(c) => (
          <input {...c} value={typed} autoComplete="off" spellCheck={false} onChange={(e) => setTyped(e.target.value)} />
        )}
      </Field>
      <div className="confirm__actions">
        <button type="submit" className="button button--danger" disabled={!ready || restore.isPending}>
          {restore.isPending ? "Restoring…" : "Restore this backup"}
        </button>
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
