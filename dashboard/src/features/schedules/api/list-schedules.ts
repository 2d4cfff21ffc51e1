import { queryOptions, useQuery } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { Schedule } from "../schedule-form";

export const schedulesKey = ["schedules"] as const;

/** GET /api/schedules: every schedule, by id. */
export async function listSchedules(signal?: AbortSignal): Promise<Schedule[]> {
  return (await call(api.GET("/api/schedules", { signal }))).items;
}

export function schedulesQueryOptions() {
  return queryOptions({ queryKey: [...schedulesKey, "list"], queryFn: ({ signal }) => listSchedules(signal) });
}

export function useSchedules() {
  return useQuery(schedulesQueryOptions());
}
