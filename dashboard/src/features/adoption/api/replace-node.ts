import { useMutation } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { AdoptionTokenCreated } from "../adoption-form";

/** POST /api/nodes/{id}/replace: a token that makes the device with `mac` this node; secret shown once. */
export function replaceNode({ id, mac }: { id: number; mac: string }): Promise<AdoptionTokenCreated> {
  return call(api.POST("/api/nodes/{id}/replace", { params: { path: { id } }, body: { mac } }));
}

export function useReplaceNode() {
  return useMutation({ mutationFn: replaceNode });
}
