import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { nodeBundleKey } from "../../adoption";
import { dashboardStateKey } from "../../live-state";
import type { OutputUpdate } from "../output-form";

type Output = components["schemas"]["Output"];

/** PATCH /api/outputs/{id}: name or default state; only the fields given change. */
export function updateOutput({ id, body }: { id: number; body: OutputUpdate }): Promise<Output> {
  return call(api.PATCH("/api/outputs/{id}", { params: { path: { id } }, body }));
}

export function useUpdateOutput() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateOutput,
    onSuccess: (output) => {
      void queryClient.invalidateQueries({ queryKey: dashboardStateKey });
      void queryClient.invalidateQueries({ queryKey: nodeBundleKey(output.node_id) });
    },
  });
}
