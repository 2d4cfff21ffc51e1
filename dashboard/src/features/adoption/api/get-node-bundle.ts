import { queryOptions, useQuery } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { NodeBundle } from "../adoption-form";

export const nodeBundleKey = (id: number) => ["nodes", id, "bundle"] as const;

/** GET /api/nodes/{id}/bundle: the node's settings, sensors, outputs and schedules, versioned. */
export function getNodeBundle(id: number, signal?: AbortSignal): Promise<NodeBundle> {
  return call(api.GET("/api/nodes/{id}/bundle", { params: { path: { id } }, signal }));
}

export function nodeBundleQueryOptions(id: number) {
  return queryOptions({ queryKey: nodeBundleKey(id), queryFn: ({ signal }) => getNodeBundle(id, signal) });
}

export function useNodeBundle(id: number, enabled: boolean) {
  return useQuery({ ...nodeBundleQueryOptions(id), enabled });
}
