import { queryOptions, useQuery } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { BackupList } from "../backup-words";

export const backupsKey = ["backups"] as const;

/** GET /api/backups: newest first, with their verification result, and those being written. */
export function listBackups(signal?: AbortSignal): Promise<BackupList> {
  return call(api.GET("/api/backups", { signal }));
}

export function backupsQueryOptions() {
  return queryOptions({
    queryKey: backupsKey,
    queryFn: ({ signal }) => listBackups(signal),
    // `backup` events report progress; this is the safety net while one runs, should events be missed.
    refetchInterval: (query) => (query.state.data && query.state.data.running.length > 0 ? 3000 : false),
  });
}

export function useBackups(enabled = true) {
  return useQuery({ ...backupsQueryOptions(), enabled });
}
