import { queryOptions, useQuery } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";

export type User = components["schemas"]["User"];

export const usersKey = ["users"] as const;

/** GET /api/users: all users, by id. */
export async function listUsers(signal?: AbortSignal): Promise<User[]> {
  return (await call(api.GET("/api/users", { signal }))).items;
}

export function usersQueryOptions() {
  return queryOptions({ queryKey: usersKey, queryFn: ({ signal }) => listUsers(signal) });
}

export function useUsers() {
  return useQuery(usersQueryOptions());
}
