import { useMutation } from "@tanstack/react-query";
import { ApiError } from "../../../api/api-error";
import { callNoContent } from "../../../api/call";
import { api } from "../../../api/client";

/** POST /api/auth/logout: ends this session and clears its cookie. */
export function logout(): Promise<void> {
  return callNoContent(api.POST("/api/auth/logout"));
}

/**
 * Logs out, then loads the login page afresh: that closes the event stream and
 * drops every cached answer in one step.
 */
export function useLogout() {
  return useMutation({
    mutationFn: logout,
    onSuccess: () => window.location.assign("/login"),
    onError: (error) => {
      // Already logged out (the session had ended): the goal is reached.
      if (error instanceof ApiError && error.failure.kind === "http" && error.failure.status === 401) {
        window.location.assign("/login");
      }
    },
  });
}
