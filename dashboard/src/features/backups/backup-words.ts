import type { components } from "../../api/schema";
import type { BackupProgress } from "../live-state";

export type BackupList = components["schemas"]["BackupList"];
export type Manifest = components["schemas"]["Manifest"];
export type RunningBackup = components["schemas"]["RunningBackup"];
export type BackupKind = components["schemas"]["Kind"];
export type BackupPhase = components["schemas"]["Phase"];

export const KIND_LABELS: Record<BackupKind, string> = {
  manual: "Manual",
  scheduled: "Scheduled",
  safety: "Safety (before a restore)",
  uploaded: "Uploaded",
};

export const PHASE_LABELS: Record<BackupPhase, string> = {
  snapshot: "copying the database",
  compress: "compressing",
  verify: "verifying",
};

/** 1536 → "1.5 KiB": sizes of backup files. */
export function formatSize(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** The SHA-256 of `bytes` as 64 lower-case hex digits (what `x-backup-sha256` carries). */
export async function sha256Hex(bytes: BufferSource): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The running backups to show: the list's `running`, with the phase from a newer
 * `backup` event where there is one, plus backups an event announced that the
 * list does not know yet. Those that an event says have ended are left out.
 */
export function runningBackups(
  list: readonly RunningBackup[],
  progress: ReadonlyMap<string, BackupProgress>,
  nowIso: string,
): RunningBackup[] {
  const shown: RunningBackup[] = [];
  for (const backup of list) {
    const event = progress.get(backup.name);
    if (event && event.status !== "running") continue;
    shown.push(event?.phase ? { ...backup, phase: event.phase } : backup);
  }
  for (const event of progress.values()) {
    if (event.status !== "running" || list.some((b) => b.name === event.name)) continue;
    shown.push({ name: event.name, kind: "manual", started_at: nowIso, phase: event.phase ?? "snapshot" });
  }
  return shown;
}

/** A restore asks for the backup's name typed again, exactly. */
export function restoreConfirmed(name: string, typed: string): boolean {
  return typed.trim() === name;
}

/** Two days: an older newest good backup is worth a warning. */
export const BACKUP_TOO_OLD_MS = 2 * 24 * 3600 * 1000;

export interface RestoreNote {
  restored: string;
  safety_backup: string;
}

const RESTORE_NOTE_KEY = "farm.backups.restored";

/**
 * A restore may end this session (sessions not in the backup end), and the
 * answer naming the safety backup would be lost with the page: it is kept in
 * this tab's sessionStorage until the operator dismisses it.
 */
export function rememberRestore(note: RestoreNote, storage: Pick<Storage, "setItem"> = sessionStorage): void {
  try {
    storage.setItem(RESTORE_NOTE_KEY, JSON.stringify({ restored: note.restored, safety_backup: note.safety_backup }));
  } catch {
    // Storage blocked: the page still shows the answer while it lives.
  }
}

export function recallRestore(storage: Pick<Storage, "getItem"> = sessionStorage): RestoreNote | null {
  try {
    const value: unknown = JSON.parse(storage.getItem(RESTORE_NOTE_KEY) ?? "null");
    if (typeof value !== "object" || value === null) return null;
    const { restored, safety_backup } = value as Record<string, unknown>;
    return typeof restored === "string" && typeof safety_backup === "string" ? { restored, safety_backup } : null;
  } catch {
    return null;
  }
}

export function forgetRestore(storage: Pick<Storage, "removeItem"> = sessionStorage): void {
  try {
    storage.removeItem(RESTORE_NOTE_KEY);
  } catch {
    // nothing to forget
  }
}

/** Whether the newest good backup is missing or older than two days: worth a warning on the overview. */
export function backupIsTooOld(newest: Pick<Manifest, "created_at"> | null, nowMs: number): boolean {
  return newest === null || nowMs - Date.parse(newest.created_at) > BACKUP_TOO_OLD_MS;
}
