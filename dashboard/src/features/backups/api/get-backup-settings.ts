import { queryOptions, useQuery } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";

export type BackupSettings = components["schemas"]["BackupSettings"];

export const backupSettingsKey = ["backups", "settings"] as const;

/** GET /api/backups/settings: the backups folder and the daily backup time in effect. */
export function getBackupSettings(signal?: AbortSignal): Promise<BackupSettings> {
  return call(api.GET("/api/backups/settings", { signal }));
}

export function backupSettingsQueryOptions() {
  return queryOptions({
    queryKey: backupSettingsKey,
    queryFn: ({ signal }) => getBackupSettings(signal),
    staleTime: 5 * 60_000,
  });
}

export function useBackupSettings(enabled = true) {
  return useQuery({ ...backupSettingsQueryOptions(), enabled });
}
