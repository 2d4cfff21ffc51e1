import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { Schedule, ScheduleCreate } from "../schedule-form";
import { schedulesKey } from "./list-schedules";

/** POST /api/schedules: weekly blocks or an RRULE, and the outputs it sets. */
export function createSchedule(body: ScheduleCreate): Promise<Schedule> {
  return call(api.POST("/api/schedules", { body }));
}

export function useCreateSchedule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createSchedule,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: schedulesKey }),
  });
}
