import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { nodeBundleKey } from "../../adoption";
import { dashboardStateKey } from "../../live-state";
import type { OutputDeclaration } from "../output-form";

type Output = components["schemas"]["Output"];

/** POST /api/nodes/{id}/outputs: an output the node will be told to switch under `key`. 409 when the key is taken. */
export function createOutput({ nodeId, body }: { nodeId: number; body: OutputDeclaration }): Promise<Output> {
  return call(api.POST("/api/nodes/{id}/outputs", { params: { path: { id: nodeId } }, body }));
}

export function useCreateOutput() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createOutput,
    onSuccess: (output) => {
      void queryClient.invalidateQueries({ queryKey: dashboardStateKey });
      void queryClient.invalidateQueries({ queryKey: nodeBundleKey(output.node_id) });
    },
  });
}
