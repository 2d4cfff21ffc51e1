import { infiniteQueryOptions, useInfiniteQuery } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { filterToQuery, rangeProblem, type ActionLogFilter } from "../action-log-filter";

export type ActionLog = components["schemas"]["ActionLog"];
export type ActionLogPage = components["schemas"]["ActionLogPage"];

const PAGE_SIZE = 50;

/** GET /api/action-logs: the engine's decisions, newest first, one page; `cursor` is the previous page's next_cursor. */
export function listActionLogs(
  filter: ActionLogFilter,
  cursor: number | null,
  signal?: AbortSignal,
): Promise<ActionLogPage> {
  return call(
    api.GET("/api/action-logs", {
      params: { query: filterToQuery(filter, { limit: PAGE_SIZE, cursor }) },
      signal,
    }),
  );
}

export function actionLogsQueryOptions(filter: ActionLogFilter) {
  return infiniteQueryOptions({
    queryKey: ["action-logs", filter.scheduleId, filter.outputId, filter.outcome, filter.from, filter.to],
    queryFn: ({ pageParam, signal }) => listActionLogs(filter, pageParam, signal),
    // A range the API would refuse is shown as a problem beside the inputs instead.
    enabled: rangeProblem(filter) === null,
    initialPageParam: null as number | null,
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    refetchInterval: 15_000,
  });
}

export function useActionLogs(filter: ActionLogFilter) {
  return useInfiniteQuery(actionLogsQueryOptions(filter));
}
