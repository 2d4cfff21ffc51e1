import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { dashboardStateKey } from "../../live-state";
import type { NodeCreate } from "../node-form";

export type NodeRegistered = components["schemas"]["NodeRegistered"];

/** POST /api/nodes: registers a node with its sensors and outputs; the answer holds its token, once. */
export function createNode(body: NodeCreate): Promise<NodeRegistered> {
  return call(api.POST("/api/nodes", { body }));
}

export function useCreateNode() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createNode,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: dashboardStateKey }),
  });
}
