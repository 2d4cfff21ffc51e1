import type { BackupSettings } from "./api/get-backup-settings";
import type { BackupSettingsUpdate } from "./api/update-backup-settings";

/** The settings form: the folder, and the daily time with an "off" choice beside it. */
export interface BackupSettingsForm {
  dir: string;
  daily: boolean;
  /** Kept while the schedule is off, so switching back does not lose it. */
  dailyAt: string;
}

export const BACKUP_SETTINGS_FIELDS = ["dir", "daily_at"] as const;

/** The time offered when scheduled backups were off: the configuration's default. */
const DEFAULT_TIME = "03:00";
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function settingsToForm(settings: BackupSettings): BackupSettingsForm {
  const dailyAt = settings.daily_at ?? null;
  return { dir: settings.dir, daily: dailyAt !== null, dailyAt: dailyAt ?? DEFAULT_TIME };
}

/** Problems visible before sending, by API field name, in core-server's words (empty when none). */
export function checkBackupSettingsForm(form: BackupSettingsForm): Record<string, string> {
  const problems: Record<string, string> = {};
  const dir = form.dir.trim();
  if (dir === "" || new TextEncoder().encode(dir).length > 1024 || CONTROL.test(dir)) {
    problems.dir = "must be a folder path of at most 1024 characters";
  } else if (!dir.startsWith("/")) {
    problems.dir = "must be an absolute path such as /var/backups/farm";
  }
  if (form.daily && !HH_MM.test(form.dailyAt.trim())) {
    problems.daily_at = "must be a time HH:MM such as 03:00, or off";
  }
  return problems;
}

/** The PUT body: the whole settings, `daily_at` null when scheduled backups are off. */
export function toBackupSettingsUpdate(form: BackupSettingsForm): BackupSettingsUpdate {
  return { dir: form.dir.trim(), daily_at: form.daily ? form.dailyAt.trim() : null };
}

/** Whether saving `form` would change nothing. */
export function sameSettings(form: BackupSettingsForm, settings: BackupSettings): boolean {
  const body = toBackupSettingsUpdate(form);
  return body.dir === settings.dir && (body.daily_at ?? null) === (settings.daily_at ?? null);
}

/** The settings in a sentence, for the saved note. */
export function describeSchedule(settings: BackupSettings): string {
  const at = settings.daily_at ?? null;
  return at === null ? "no scheduled backups" : `a backup every day at ${at} (site time)`;
}
