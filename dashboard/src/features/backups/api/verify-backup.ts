import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { Manifest } from "../backup-words";
import { backupsKey } from "./list-backups";

/** POST /api/backups/{name}/verify: checks the file again and records the result. */
export function verifyBackup(name: string): Promise<Manifest> {
  return call(api.POST("/api/backups/{name}/verify", { params: { path: { name } } }));
}

export function useVerifyBackup() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: verifyBackup,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: backupsKey }),
  });
}
