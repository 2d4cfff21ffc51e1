import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import { nodeBundleKey } from "../../adoption";
import { dashboardStateKey, type Node } from "../../live-state";
import type { NodeUpdate } from "../node-edit-form";

/** PATCH /api/nodes/{id}: name or heartbeat interval; only the fields given change. */
export function updateNode({ id, body }: { id: number; body: NodeUpdate }): Promise<Node> {
  return call(api.PATCH("/api/nodes/{id}", { params: { path: { id } }, body }));
}

export function useUpdateNode() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateNode,
    onSuccess: (node) => {
      void queryClient.invalidateQueries({ queryKey: dashboardStateKey });
      void queryClient.invalidateQueries({ queryKey: nodeBundleKey(node.id) });
    },
  });
}
