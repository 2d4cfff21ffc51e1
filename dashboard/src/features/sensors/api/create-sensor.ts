import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import { nodeBundleKey } from "../../adoption";
import { dashboardStateKey } from "../../live-state";
import type { SensorDeclaration } from "../sensor-form";
import type { Sensor } from "./update-sensor";

/** POST /api/nodes/{id}/sensors: a sensor the node will report under `key`. 409 when the key is taken. */
export function createSensor({ nodeId, body }: { nodeId: number; body: SensorDeclaration }): Promise<Sensor> {
  return call(api.POST("/api/nodes/{id}/sensors", { params: { path: { id: nodeId } }, body }));
}

export function useCreateSensor() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createSensor,
    onSuccess: (sensor) => {
      void queryClient.invalidateQueries({ queryKey: dashboardStateKey });
      void queryClient.invalidateQueries({ queryKey: nodeBundleKey(sensor.node_id) });
    },
  });
}
