import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import { sha256Hex, type Manifest } from "../backup-words";
import { backupsKey } from "./list-backups";

/**
 * POST /api/backups/upload: the file as it was downloaded, with its SHA-256
 * (computed here) in `x-backup-sha256`. The server verifies it before listing it.
 */
export async function uploadBackup(file: File): Promise<Manifest> {
  const bytes = await file.arrayBuffer();
  const sha256 = await sha256Hex(bytes);
  return call(
    api.POST("/api/backups/upload", {
      params: { header: { "x-backup-sha256": sha256 } },
      // The schema describes the body as bytes; the file goes as it is.
      body: file as unknown as number[],
      bodySerializer: (body) => body as unknown as Blob,
      headers: { "Content-Type": "application/zstd" },
    }),
  );
}

export function useUploadBackup() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: uploadBackup,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: backupsKey }),
  });
}
