import { queryOptions, useQuery } from "@tanstack/react-query";
import { ApiError, httpFailure, thrownFailure } from "../../../api/api-error";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";

export type Health = components["schemas"]["Health"];

/** GET /healthz. Resolves with the Health body; rejects with an ApiError. */
export async function getHealth(signal?: AbortSignal): Promise<Health> {
  let result;
  try {
    result = await api.GET("/healthz", { signal });
  } catch (cause) {
    throw thrownFailure(cause);
  }
  const { data, error, response } = result;
  if (!response.ok) throw httpFailure(response.status, error);
  if (data === undefined) throw new ApiError({ kind: "unreadable", status: response.status });
  return data;
}

export function healthQueryOptions() {
  return queryOptions({
    queryKey: ["health"],
    queryFn: ({ signal }) => getHealth(signal),
    refetchInterval: 30_000,
    retry: 1,
  });
}

export function useHealth() {
  return useQuery(healthQueryOptions());
}
