import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { schedulesKey } from "./list-schedules";

export type ScheduleRun = components["schemas"]["ScheduleRun"];

/** POST /api/schedules/{id}/run with `{}`: runs it now for its usual duration. */
export function runSchedule(id: number): Promise<ScheduleRun> {
  return call(api.POST("/api/schedules/{id}/run", { params: { path: { id } }, body: {} }));
}

export function useRunSchedule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: runSchedule,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: schedulesKey }),
  });
}
