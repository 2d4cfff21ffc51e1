import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import { dashboardStateKey, type Node } from "../../live-state";

/** POST /api/nodes/{id}/retire: its token stops working, open commands expire, history stays. */
export function retireNode(id: number): Promise<Node> {
  return call(api.POST("/api/nodes/{id}/retire", { params: { path: { id } } }));
}

export function useRetireNode() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: retireNode,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: dashboardStateKey }),
  });
}
