import { useState, type FormEvent } from "react";
import { formErrors, withLocalProblems } from "../../../api/field-errors";
import { ErrorMessage } from "../../../components/error-message";
import { Field, FormSummary } from "../../../components/field";
import { useBackupSettings, type BackupSettings } from "../api/get-backup-settings";
import { useUpdateBackupSettings } from "../api/update-backup-settings";
import {
  BACKUP_SETTINGS_FIELDS,
  checkBackupSettingsForm,
  describeSchedule,
  sameSettings,
  settingsToForm,
  toBackupSettingsUpdate,
  type BackupSettingsForm,
} from "../backup-settings-form";

/** PUT /api/backups/settings: the folder and the daily time, with problems next to the fields. */
export function BackupSettingsFields({ settings }: { settings: BackupSettings }) {
  const update = useUpdateBackupSettings();
  const [form, setForm] = useState<BackupSettingsForm>(() => settingsToForm(settings));
  const [tried, setTried] = useState(false);
  const local = tried ? checkBackupSettingsForm(form) : {};
  const errors = withLocalProblems(local, formErrors(update.error, BACKUP_SETTINGS_FIELDS));
  const unchanged = sameSettings(form, settings);

  const set = <K extends keyof BackupSettingsForm>(key: K, value: BackupSettingsForm[K]) => {
    update.reset();
    setForm((f) => ({ ...f, [key]: value }));
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (Object.keys(checkBackupSettingsForm(form)).length > 0 || unchanged) return;
    update.mutate(toBackupSettingsUpdate(form), { onSuccess: (saved) => setForm(settingsToForm(saved)) });
  };

  const e = errors.byField;
  return (
    <form className="form card" onSubmit={submit} noValidate aria-labelledby="backup-settings-title" data-backup-settings="">
      <h2 id="backup-settings-title" className="card__title">
        Backup settings
      </h2>
      <FormSummary
        text={errors.summary ?? (Object.keys(local).length > 0 ? "Please correct the fields marked below." : null)}
      />
      <Field
        label="Backup folder"
        error={e.dir}
        hint="An absolute path on the controller; it is created if missing and must be writable. A folder on another disk survives a failed one. Backups already taken stay where they are."
      >
        {(c) => (
          <input
            {...c}
            className="mono"
            value={form.dir}
            autoCapitalize="none"
            spellCheck={false}
            onChange={(ev) => set("dir", ev.target.value)}
          />
        )}
      </Field>
      <Field label="Scheduled backup" error={e.daily_at} hint="In the site's time zone (24-hour HH:MM).">
        {(c) => (
          <span className="inline-field">
            <select
              aria-label="Schedule"
              value={form.daily ? "daily" : "off"}
              onChange={(ev) => set("daily", ev.target.value === "daily")}
            >
              <option value="daily">Daily at</option>
              <option value="off">Off</option>
            </select>
            <input
              {...c}
              type="time"
              aria-label="Time of day (site time)"
              value={form.dailyAt}
              disabled={!form.daily}
              onChange={(ev) => set("dailyAt", ev.target.value)}
            />
          </span>
        )}
      </Field>
      <div className="actions">
        <button type="submit" className="button button--primary" disabled={update.isPending || unchanged}>
          {update.isPending ? "Checking the folder…" : "Save backup settings"}
        </button>
        {unchanged && !update.isSuccess && <span className="small muted">No changes yet.</span>}
        {update.isSuccess && (
          <span className="small tone--ok" role="status" data-saved="">
            Saved: backups go to <span className="mono">{update.data.dir}</span>, {describeSchedule(update.data)}.
          </span>
        )}
      </div>
    </form>
  );
}

/** The backup settings for those who may change them (backups.manage). */
export function BackupSettingsCard() {
  const settings = useBackupSettings();
  if (settings.isError) {
    return <ErrorMessage error={settings.error} onRetry={() => void settings.refetch()} retrying={settings.isFetching} />;
  }
  if (!settings.data) return <p className="muted">Loading the backup settings…</p>;
  return <BackupSettingsFields settings={settings.data} />;
}
