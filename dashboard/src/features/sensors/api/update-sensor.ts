import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { nodeBundleKey } from "../../adoption";
import { dashboardStateKey } from "../../live-state";
import type { SensorUpdate } from "../sensor-form";

export type Sensor = components["schemas"]["Sensor"];

/** PATCH /api/sensors/{id}: name, unit, interval or retention; only the fields given change. */
export function updateSensor({ id, body }: { id: number; body: SensorUpdate }): Promise<Sensor> {
  return call(api.PATCH("/api/sensors/{id}", { params: { path: { id } }, body }));
}

export function useUpdateSensor() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateSensor,
    // The `sensor` event updates the state too; reloading it here keeps this tab right while the
    // event stream is down. The node's bundle is not part of the state: no event updates it.
    onSuccess: (sensor) => {
      void queryClient.invalidateQueries({ queryKey: dashboardStateKey });
      void queryClient.invalidateQueries({ queryKey: nodeBundleKey(sensor.node_id) });
    },
  });
}
