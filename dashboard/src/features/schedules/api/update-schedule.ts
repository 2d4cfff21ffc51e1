import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { Schedule, ScheduleUpdate } from "../schedule-form";
import { schedulesKey } from "./list-schedules";

/** PATCH /api/schedules/{id}: only the fields given change. */
export function updateSchedule({ id, body }: { id: number; body: ScheduleUpdate }): Promise<Schedule> {
  return call(api.PATCH("/api/schedules/{id}", { params: { path: { id } }, body }));
}

export function useUpdateSchedule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateSchedule,
    onSettled: () => queryClient.invalidateQueries({ queryKey: schedulesKey }),
  });
}
