import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { rememberRestore } from "../backup-words";

export type BackupRestored = components["schemas"]["BackupRestored"];

/**
 * POST /api/backups/{name}/restore with the name typed again: replaces all data
 * (after a safety backup of the current data, whose name the answer gives).
 */
export function restoreBackup({ name, confirm }: { name: string; confirm: string }): Promise<BackupRestored> {
  return call(api.POST("/api/backups/{name}/restore", { params: { path: { name } }, body: { confirm } }));
}

export function useRestoreBackup() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: restoreBackup,
    onSuccess: (result) => {
      // Kept first: reloading may find this session ended (it was not in the backup).
      rememberRestore(result);
      // Everything may have changed: nodes, users, schedules, the backups themselves.
      return queryClient.invalidateQueries();
    },
  });
}
