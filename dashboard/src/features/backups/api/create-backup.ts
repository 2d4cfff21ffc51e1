import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { backupsKey } from "./list-backups";

export type BackupStarted = components["schemas"]["BackupStarted"];

/** POST /api/backups with `{}`: 202 at once; `backup` events tell the progress. */
export async function createBackup(): Promise<BackupStarted> {
  // 201 (a Manifest) only comes with `wait: true`; both answers carry the name.
  const { name } = await call(api.POST("/api/backups", { body: {} }));
  return { name };
}

export function useCreateBackup() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createBackup,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: backupsKey }),
  });
}
