import { useMutation, useQueryClient } from "@tanstack/react-query";
import { callNoContent } from "../../../api/call";
import { api } from "../../../api/client";
import { schedulesKey } from "./list-schedules";

/** DELETE /api/schedules/{id}: outputs it holds return to their default at the next evaluation. */
export function deleteSchedule(id: number): Promise<void> {
  return callNoContent(api.DELETE("/api/schedules/{id}", { params: { path: { id } } }));
}

export function useDeleteSchedule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteSchedule,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: schedulesKey }),
  });
}
