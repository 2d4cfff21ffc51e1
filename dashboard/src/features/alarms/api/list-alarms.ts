import { queryOptions, useQuery } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";

export type Alarm = components["schemas"]["Alarm"];

export const alarmsKey = ["alarms"] as const;

/** GET /api/alarms: newest first; `open` leaves out the acknowledged ones. */
export async function listAlarms(open: boolean, signal?: AbortSignal): Promise<Alarm[]> {
  return (await call(api.GET("/api/alarms", { params: { query: { open } }, signal }))).items;
}

/** Alarms have no live event: look again every 30 seconds. */
export function alarmsQueryOptions(open: boolean) {
  return queryOptions({
    queryKey: [...alarmsKey, open ? "open" : "all"],
    queryFn: ({ signal }) => listAlarms(open, signal),
    refetchInterval: 30_000,
  });
}

export function useAlarms(open: boolean, enabled = true) {
  return useQuery({ ...alarmsQueryOptions(open), enabled });
}
