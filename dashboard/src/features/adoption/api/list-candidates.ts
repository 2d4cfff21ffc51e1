import { queryOptions, useQuery } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { Candidate } from "../adoption-form";

export const candidatesKey = ["adoption", "candidates"] as const;

/** GET /api/adoption/candidates: devices that announced themselves in the last ten minutes. */
export async function listCandidates(signal?: AbortSignal): Promise<Candidate[]> {
  return (await call(api.GET("/api/adoption/candidates", { signal }))).items;
}

export function candidatesQueryOptions() {
  return queryOptions({
    queryKey: candidatesKey,
    queryFn: ({ signal }) => listCandidates(signal),
    // New devices show up within seconds; TanStack Query pauses this while the tab is hidden.
    refetchInterval: 5000,
  });
}

export function useCandidates() {
  return useQuery(candidatesQueryOptions());
}
