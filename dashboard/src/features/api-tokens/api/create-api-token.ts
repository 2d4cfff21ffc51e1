import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import type { ApiTokenCreate } from "../token-form";
import { apiTokensKey } from "./list-api-tokens";

export type ApiTokenCreated = components["schemas"]["ApiTokenCreated"];

/** POST /api/api-tokens: the answer holds the secret, once. */
export function createApiToken(body: ApiTokenCreate): Promise<ApiTokenCreated> {
  return call(api.POST("/api/api-tokens", { body }));
}

export function useCreateApiToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createApiToken,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: apiTokensKey }),
  });
}
