import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ConfirmButton } from "../../../components/confirm-button";
import { ErrorMessage } from "../../../components/error-message";
import { PageHeader } from "../../../components/page-header";
import { RelativeTime } from "../../../components/relative-time";
import { Spinner } from "../../../components/spinner";
import { StatusBadge } from "../../../components/status-badge";
import { formatDateTime } from "../../../lib/format";
import { usePageTitle } from "../../../lib/use-page-title";
import { useCan } from "../../auth";
import { useLiveEvent, type BackupProgress } from "../../live-state";
import { useCreateBackup } from "../api/create-backup";
import { useDeleteBackup } from "../api/delete-backup";
import { backupsKey, useBackups } from "../api/list-backups";
import { useVerifyBackup } from "../api/verify-backup";
import {
  forgetRestore,
  formatSize,
  KIND_LABELS,
  PHASE_LABELS,
  recallRestore,
  runningBackups,
  type Manifest,
} from "../backup-words";
import { BackupSettingsCard } from "./backup-settings-form";
import { RestoreBackup } from "./restore-backup";
import { UploadBackupForm } from "./upload-backup-form";

function BackupStatus({ backup }: { backup: Manifest }) {
  if (backup.status === "verified") return <StatusBadge tone="ok">verified</StatusBadge>;
  if (backup.status === "running") return <StatusBadge tone="info">running</StatusBadge>;
  return (
    <>
      <StatusBadge tone="bad">failed</StatusBadge>
      <span className="small block">{backup.problem ?? "Verification failed; no reason was recorded."}</span>
    </>
  );
}

function BackupRow({ backup, canManage }: { backup: Manifest; canManage: boolean }) {
  const verify = useVerifyBackup();
  const remove = useDeleteBackup();
  const [restoring, setRestoring] = useState(false);
  const failure = verify.error ?? remove.error;
  return (
    <tr data-backup={backup.name} data-status={backup.status}>
      <td>
        <strong className="mono">{backup.name}</strong>
        <span className="small block muted">{KIND_LABELS[backup.kind]}</span>
        {failure && (
          <div className="cell-error">
            <ErrorMessage error={failure} />
          </div>
        )}
        {restoring && <RestoreBackup name={backup.name} onClose={() => setRestoring(false)} />}
      </td>
      <td>
        <BackupStatus backup={backup} />
      </td>
      <td className="nowrap">{formatSize(backup.size)}</td>
      <td>
        <RelativeTime iso={backup.created_at} />
        <span className="small block muted">{formatDateTime(backup.created_at)}</span>
      </td>
      <td>
        {canManage && (
          <div className="row-actions">
            <a className="button button--small" href={`/api/backups/${encodeURIComponent(backup.name)}/download`} download>
              Download
            </a>
            <button
              type="button"
              className="button button--small"
              disabled={verify.isPending}
              onClick={() => verify.mutate(backup.name)}
            >
              {verify.isPending ? "Verifying…" : "Verify again"}
            </button>
            {backup.status === "verified" && !restoring && (
              <button type="button" className="button button--small button--danger-outline" onClick={() => setRestoring(true)}>
                Restore…
              </button>
            )}
            <ConfirmButton
              label="Delete"
              question={`Delete ${backup.name}? Its file is removed for good.`}
              confirmLabel="Yes, delete"
              busy={remove.isPending}
              onConfirm={() => remove.mutate(backup.name)}
            />
          </div>
        )}
      </td>
    </tr>
  );
}

/** Backups (backups.view): the list, progress of running ones; backups.manage changes them and
 * their settings (folder, daily time). */
export function BackupsPage() {
  usePageTitle("Backups");
  const canManage = useCan("backups.manage");
  const queryClient = useQueryClient();
  const [progress, setProgress] = useState<ReadonlyMap<string, BackupProgress>>(new Map());
  const [finished, setFinished] = useState<BackupProgress | null>(null);
  const backups = useBackups();
  const create = useCreateBackup();
  const [restoreNote, setRestoreNote] = useState(() => recallRestore());

  useLiveEvent("backup", (event) => {
    setProgress((current) => new Map(current).set(event.name, event));
    if (event.status !== "running") {
      setFinished(event);
      void queryClient.invalidateQueries({ queryKey: backupsKey });
    }
  });

  const running = backups.data ? runningBackups(backups.data.running, progress, new Date().toISOString()) : [];
  const listed = backups.data?.items ?? [];

  return (
    <>
      <PageHeader
        title="Backups"
        subtitle="Copies of the whole database, verified after they are written. Only verified ones can be restored."
        actions={
          canManage && (
            <button
              type="button"
              className="button button--primary"
              disabled={create.isPending}
              onClick={() => {
                setFinished(null);
                create.mutate(undefined, {
                  onSuccess: ({ name }) =>
                    setProgress((current) =>
                      current.has(name)
                        ? current
                        : new Map(current).set(name, { name, phase: "snapshot", status: "running", problem: null }),
                    ),
                });
              }}
            >
              {create.isPending ? "Starting…" : "Back up now"}
            </button>
          )
        }
      />
      {create.isError && <ErrorMessage error={create.error} />}
      {restoreNote && (
        <div className="alert alert--info" role="status" data-restore-note="">
          <p>
            The data was restored from <span className="mono">{restoreNote.restored}</span>. The data as it was just
            before is in the safety backup <strong className="mono">{restoreNote.safety_backup}</strong>.
          </p>
          <button
            type="button"
            className="button button--small"
            onClick={() => {
              forgetRestore();
              setRestoreNote(null);
            }}
          >
            Dismiss
          </button>
        </div>
      )}
      {finished && (
        <div
          className={finished.status === "verified" ? "alert alert--ok" : "alert alert--error"}
          role="status"
          data-backup-finished={finished.status}
        >
          <p>
            {finished.status === "verified"
              ? `Backup ${finished.name} was written and verified.`
              : `Backup ${finished.name} failed: ${finished.problem ?? "no reason given"}.`}
          </p>
        </div>
      )}
      {running.length > 0 && (
        <div className="card">
          <ul className="list-plain" aria-label="Backups being written">
          {running.map((backup) => (
            <li key={backup.name} data-running-backup={backup.name}>
              <Spinner label="Running" /> <span className="mono">{backup.name}</span> ({KIND_LABELS[backup.kind]}):{" "}
              {PHASE_LABELS[backup.phase]}…
            </li>
          ))}
          </ul>
        </div>
      )}
      {backups.isError && (
        <ErrorMessage error={backups.error} onRetry={() => void backups.refetch()} retrying={backups.isFetching} />
      )}
      {backups.isPending && <p className="muted">Loading…</p>}
      {backups.data && listed.length === 0 && <p className="card muted">No backups yet.</p>}
      {listed.length > 0 && (
        <div className="table-wrap card card--flush">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Backup</th>
                <th scope="col">Status</th>
                <th scope="col">Size</th>
                <th scope="col">Taken</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {listed.map((backup) => (
                <BackupRow key={backup.name} backup={backup} canManage={canManage} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canManage && <BackupSettingsCard />}
      {canManage && <UploadBackupForm />}
    </>
  );
}
