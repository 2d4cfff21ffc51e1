import { useMutation, useQueryClient } from "@tanstack/react-query";
import { callNoContent } from "../../../api/call";
import { api } from "../../../api/client";
import { nodeBundleKey } from "../../adoption";
import { dashboardStateKey } from "../../live-state";

/** DELETE /api/sensors/{id}: its readings stay until retention removes them, or go now with `purge`. */
export function deleteSensor({ id, purge }: { id: number; nodeId: number; purge: boolean }): Promise<void> {
  return callNoContent(api.DELETE("/api/sensors/{id}", { params: { path: { id }, query: purge ? { purge } : {} } }));
}

export function useDeleteSensor() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteSensor,
    onSuccess: (_, { nodeId }) => {
      void queryClient.invalidateQueries({ queryKey: dashboardStateKey });
      void queryClient.invalidateQueries({ queryKey: nodeBundleKey(nodeId) });
    },
  });
}
