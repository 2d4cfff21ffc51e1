import { useMutation, useQueryClient } from "@tanstack/react-query";
import { callNoContent } from "../../../api/call";
import { api } from "../../../api/client";
import { nodeBundleKey } from "../../adoption";
import { dashboardStateKey } from "../../live-state";

/** DELETE /api/outputs/{id}: its open commands expire; its history stays. */
export function deleteOutput({ id }: { id: number; nodeId: number }): Promise<void> {
  return callNoContent(api.DELETE("/api/outputs/{id}", { params: { path: { id } } }));
}

export function useDeleteOutput() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteOutput,
    onSuccess: (_, { nodeId }) => {
      void queryClient.invalidateQueries({ queryKey: dashboardStateKey });
      void queryClient.invalidateQueries({ queryKey: nodeBundleKey(nodeId) });
    },
  });
}
