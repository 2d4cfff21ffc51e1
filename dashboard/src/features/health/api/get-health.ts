import { queryOptions, useQuery } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";

export type Health = components["schemas"]["Health"];

/** GET /healthz. Resolves with the Health body; rejects with an ApiError. */
export function getHealth(signal?: AbortSignal): Promise<Health> {
  return call(api.GET("/healthz", { signal }));
}

export function healthQueryOptions() {
  return queryOptions({
    queryKey: ["health"],
    queryFn: ({ signal }) => getHealth(signal),
    staleTime: 5 * 60_000,
    retry: 1,
  });
}

export function useHealth() {
  return useQuery(healthQueryOptions());
}
