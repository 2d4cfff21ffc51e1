import { useMutation, useQueryClient } from "@tanstack/react-query";
import { callNoContent } from "../../../api/call";
import { api } from "../../../api/client";
import { backupsKey } from "./list-backups";

/** DELETE /api/backups/{name}: its files are removed. */
export function deleteBackup(name: string): Promise<void> {
  return callNoContent(api.DELETE("/api/backups/{name}", { params: { path: { name } } }));
}

export function useDeleteBackup() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteBackup,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: backupsKey }),
  });
}
