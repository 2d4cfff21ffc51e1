import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import { alarmsKey, type Alarm } from "./list-alarms";

/** POST /api/alarms/{id}/acknowledge: 409 when someone already did. */
export function acknowledgeAlarm(id: number): Promise<Alarm> {
  return call(api.POST("/api/alarms/{id}/acknowledge", { params: { path: { id } } }));
}

export function useAcknowledgeAlarm() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: acknowledgeAlarm,
    // Also after a 409: the list then shows who acknowledged it first.
    onSettled: () => queryClient.invalidateQueries({ queryKey: alarmsKey }),
  });
}
