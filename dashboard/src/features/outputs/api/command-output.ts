import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { dashboardStateKey, withCommand, type Command, type DashboardState } from "../../live-state";

export type OutputCommand = components["schemas"]["OutputCommand"];

/** POST /api/outputs/{id}/command: queues the command (202) and answers it. */
export function commandOutput(outputId: number, body: OutputCommand): Promise<Command> {
  return call(api.POST("/api/outputs/{id}/command", { params: { path: { id: outputId } }, body }));
}

/** Shows the queued command at once; its events then carry it to confirmed. */
function showQueued(state: DashboardState | undefined, command: Command): DashboardState | undefined {
  if (!state) return state;
  return {
    ...state,
    outputs: state.outputs.map((o) =>
      o.id === command.output_id ? withCommand({ ...o, desired_state: command.state }, command) : o,
    ),
  };
}

export function useCommandOutput() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ outputId, state }: { outputId: number; state: number }) => commandOutput(outputId, { state }),
    onSuccess: (command) => {
      queryClient.setQueryData<DashboardState>(dashboardStateKey, (state) => showQueued(state, command));
    },
  });
}
