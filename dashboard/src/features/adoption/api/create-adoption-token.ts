import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { AdoptionTokenCreate, AdoptionTokenCreated } from "../adoption-form";
import { candidatesKey } from "./list-candidates";

/** POST /api/adoption/tokens: a single-use token (15 minutes) for that MAC; the secret comes once. */
export function createAdoptionToken(body: AdoptionTokenCreate): Promise<AdoptionTokenCreated> {
  return call(api.POST("/api/adoption/tokens", { body }));
}

export function useCreateAdoptionToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createAdoptionToken,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: candidatesKey }),
  });
}
