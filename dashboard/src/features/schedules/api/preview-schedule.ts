import { queryOptions, useQuery } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { Firing } from "../calendar-blocks";
import { schedulesKey } from "./list-schedules";

/** GET /api/schedules/{id}/preview?count=N: the next firings, with DST notes and conflicts. */
export async function previewSchedule(id: number, count: number, signal?: AbortSignal): Promise<Firing[]> {
  return (
    await call(api.GET("/api/schedules/{id}/preview", { params: { path: { id }, query: { count } }, signal }))
  ).items;
}

export function previewQueryOptions(id: number, count = 10) {
  return queryOptions({
    queryKey: [...schedulesKey, id, "preview", count],
    queryFn: ({ signal }) => previewSchedule(id, count, signal),
  });
}

export function useSchedulePreview(id: number) {
  return useQuery(previewQueryOptions(id));
}
