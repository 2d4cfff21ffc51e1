import { queryOptions, useQuery } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { ApiToken } from "../token-form";

export const apiTokensKey = ["api-tokens"] as const;

/** GET /api/api-tokens: every token, revoked ones included; never their secrets. */
export async function listApiTokens(signal?: AbortSignal): Promise<ApiToken[]> {
  return (await call(api.GET("/api/api-tokens", { signal }))).items;
}

export function apiTokensQueryOptions() {
  return queryOptions({ queryKey: apiTokensKey, queryFn: ({ signal }) => listApiTokens(signal) });
}

export function useApiTokens() {
  return useQuery(apiTokensQueryOptions());
}
