import { queryOptions, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { ApiError } from "../../../api/api-error";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";

export type AuthSession = components["schemas"]["AuthSession"];

export const sessionKey = ["auth", "session"] as const;

function isUnauthenticated(error: unknown): boolean {
  return error instanceof ApiError && error.failure.kind === "http" && error.failure.status === 401;
}

/** GET /api/auth/session: who is logged in, or null when nobody is. */
export async function getSession(signal?: AbortSignal): Promise<AuthSession | null> {
  try {
    return await call(api.GET("/api/auth/session", { signal }));
  } catch (error) {
    if (isUnauthenticated(error)) return null;
    throw error;
  }
}

export function sessionQueryOptions() {
  return queryOptions({
    queryKey: sessionKey,
    queryFn: ({ signal }) => getSession(signal),
    // Capabilities change when an admin changes the role: look again now and then.
    staleTime: 60_000,
  });
}

export function useSession() {
  return useQuery(sessionQueryOptions());
}

/** Asks the server again whether the session still holds (a 401 elsewhere makes it null). */
export function useRecheckSession(): () => void {
  const queryClient = useQueryClient();
  return useCallback(() => void queryClient.invalidateQueries({ queryKey: sessionKey }), [queryClient]);
}
