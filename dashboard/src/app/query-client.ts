import { QueryClient } from "@tanstack/react-query";
import { ApiError } from "../api/api-error";

/**
 * Whether a failed query is worth asking again: yes when there was no answer
 * or the server was busy; no for an answer that will not change (401, 403,
 * 404, 422…), which the page shows in words instead.
 */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (failureCount >= 2) return false;
  if (!(error instanceof ApiError)) return false;
  const { failure } = error;
  if (failure.kind === "network") return true;
  return failure.kind === "http" && (failure.status === 503 || failure.status === 429 || failure.status >= 500);
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: shouldRetry, staleTime: 10_000 },
      mutations: { retry: false },
    },
  });
}
