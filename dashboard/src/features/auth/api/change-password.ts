import { useMutation, useQueryClient } from "@tanstack/react-query";
import { callNoContent } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { sessionKey } from "./get-session";

export type PasswordChange = components["schemas"]["PasswordChange"];

/**
 * POST /api/auth/password: changes the caller's own password. Every other
 * session of theirs ends; this one gets a fresh cookie and carries on.
 */
export function changePassword(body: PasswordChange): Promise<void> {
  return callNoContent(api.POST("/api/auth/password", { body }));
}

export function useChangePassword() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: changePassword,
    // The session was replaced: ask again when it now expires.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sessionKey }),
  });
}
