import { useRef, useState, type FormEvent } from "react";
import { formErrors } from "../../../api/field-errors";
import { Field, FormSummary } from "../../../components/field";
import { useUploadBackup } from "../api/upload-backup";
import { formatSize } from "../backup-words";

/** Upload a downloaded backup file; its SHA-256 is computed here and sent along. */
export function UploadBackupForm() {
  const upload = useUploadBackup();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const errors = formErrors(upload.error, ["file", "x-backup-sha256"]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    upload.mutate(file, {
      onSuccess: () => {
        setFile(null);
        if (input.current) input.current.value = "";
      },
    });
  };

  return (
    <form className="card form" onSubmit={submit} noValidate aria-labelledby="upload-backup-title">
      <h2 id="upload-backup-title" className="card__title">
        Upload a backup
      </h2>
      <FormSummary text={errors.summary} />
      {upload.data && (
        <div className="alert alert--ok" role="status">
          <p>
            Uploaded as <span className="mono">{upload.data.name}</span>:{" "}
            {upload.data.status === "verified" ? "verified, ready to restore." : `not usable: ${upload.data.problem ?? "failed"}.`}
          </p>
        </div>
      )}
      <Field
        label="Backup file (.zst, as downloaded)"
        error={errors.byField.file ?? errors.byField["x-backup-sha256"]}
        hint={file ? `${file.name}, ${formatSize(file.size)}` : "It is checked and verified before it is listed."}
      >
        {(c) => (
          <input
            {...c}
            ref={input}
            type="file"
            accept=".zst,application/zstd"
            onChange={(e) => {
              upload.reset();
              setFile(e.target.files?.[0] ?? null);
            }}
          />
        )}
      </Field>
      <div className="actions">
        <button type="submit" className="button button--primary" disabled={!file || upload.isPending}>
          {upload.isPending ? "Uploading…" : "Upload"}
        </button>
      </div>
    </form>
  );
}
