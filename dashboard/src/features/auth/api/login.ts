import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { sessionKey, type AuthSession } from "./get-session";

export type LoginRequest = components["schemas"]["LoginRequest"];

/** POST /api/auth/login: sets the session cookie and answers who logged in. */
export function login(body: LoginRequest): Promise<AuthSession> {
  return call(api.POST("/api/auth/login", { body }));
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: (session) => {
      // Nothing cached for whoever was here before (another user, another role) survives.
      queryClient.removeQueries();
      queryClient.setQueryData(sessionKey, session);
    },
  });
}
