import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { dashboardStateKey } from "../../live-state";
import { backupSettingsKey, type BackupSettings } from "./get-backup-settings";
import { backupsKey } from "./list-backups";

export type BackupSettingsUpdate = components["schemas"]["BackupSettingsUpdate"];

/** PUT /api/backups/settings: both fields, checked (the folder created and written to) before they count. */
export function updateBackupSettings(body: BackupSettingsUpdate): Promise<BackupSettings> {
  return call(api.PUT("/api/backups/settings", { body }));
}

export function useUpdateBackupSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateBackupSettings,
    onSuccess: (settings) => {
      queryClient.setQueryData(backupSettingsKey, settings);
      // Another folder lists other backups, and the overview's "newest verified backup" with them.
      void queryClient.invalidateQueries({ queryKey: backupsKey, exact: true });
      void queryClient.invalidateQueries({ queryKey: dashboardStateKey });
    },
  });
}
