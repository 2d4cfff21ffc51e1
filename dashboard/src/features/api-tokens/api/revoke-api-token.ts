import { useMutation, useQueryClient } from "@tanstack/react-query";
import { callNoContent } from "../../../api/call";
import { api } from "../../../api/client";
import { apiTokensKey } from "./list-api-tokens";

/** DELETE /api/api-tokens/{id}: the token stops working at once. */
export function revokeApiToken(id: number): Promise<void> {
  return callNoContent(api.DELETE("/api/api-tokens/{id}", { params: { path: { id } } }));
}

export function useRevokeApiToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: revokeApiToken,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: apiTokensKey }),
  });
}
