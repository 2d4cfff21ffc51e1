import { queryOptions, useQuery } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";

export type Site = components["schemas"]["Site"];

export const siteKey = ["site"] as const;

/** GET /api/site: the site's name, time zone (schedules run in it) and units. */
export function getSite(signal?: AbortSignal): Promise<Site> {
  return call(api.GET("/api/site", { signal }));
}

export function siteQueryOptions() {
  return queryOptions({ queryKey: siteKey, queryFn: ({ signal }) => getSite(signal), staleTime: 5 * 60_000 });
}

export function useSite() {
  return useQuery(siteQueryOptions());
}
