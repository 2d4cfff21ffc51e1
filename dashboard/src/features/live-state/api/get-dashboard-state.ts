import { queryOptions, useQuery } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import { applyEvents } from "../apply-event";
import { liveEventLog } from "../event-log";
import type { DashboardState } from "../live-event";

export const dashboardStateKey = ["dashboard", "state"] as const;

/** GET /api/dashboard/state: site, nodes, sensors with last values, outputs with their commands. */
export function getDashboardState(signal?: AbortSignal): Promise<DashboardState> {
  return call(api.GET("/api/dashboard/state", { signal }));
}

/**
 * Live events keep this query current (see live-provider.tsx). Events that
 * arrive while it reloads are applied again to the answer, which the server may
 * have computed before them.
 */
export function dashboardStateQueryOptions() {
  return queryOptions({
    queryKey: dashboardStateKey,
    queryFn: async ({ signal }) => {
      const mark = liveEventLog.mark();
      const state = await getDashboardState(signal);
      const missed = liveEventLog.since(mark);
      return missed ? applyEvents(state, missed).state : state;
    },
    // Events do the updating; this is a safety net for anything they cannot say
    // (a sensor added or removed elsewhere).
    staleTime: 30_000,
    refetchInterval: 5 * 60_000,
  });
}

export function useDashboardState() {
  return useQuery(dashboardStateQueryOptions());
}
