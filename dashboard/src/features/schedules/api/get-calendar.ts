import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { Firing } from "../calendar-blocks";
import { schedulesKey } from "./list-schedules";

/** GET /api/schedules/calendar?from&to: every schedule's firings in a range (at most 31 days). */
export async function getCalendar(from: string, to: string, signal?: AbortSignal): Promise<Firing[]> {
  return (await call(api.GET("/api/schedules/calendar", { params: { query: { from, to } }, signal }))).items;
}

export function calendarQueryOptions(from: string, to: string) {
  return queryOptions({
    queryKey: [...schedulesKey, "calendar", from, to],
    queryFn: ({ signal }) => getCalendar(from, to, signal),
    placeholderData: keepPreviousData,
  });
}

export function useCalendar(range: { from: string; to: string } | null) {
  return useQuery({ ...calendarQueryOptions(range?.from ?? "", range?.to ?? ""), enabled: range !== null });
}
