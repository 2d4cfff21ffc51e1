import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { dashboardStateKey } from "../../live-state";
import { siteKey, type Site } from "./get-site";

export type SiteUpdate = components["schemas"]["SiteUpdate"];

/** PATCH /api/site: only the fields given change. */
export function updateSite(body: SiteUpdate): Promise<Site> {
  return call(api.PATCH("/api/site", { body }));
}

export function useUpdateSite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateSite,
    onSuccess: (site) => {
      queryClient.setQueryData(siteKey, site);
      // The header and the overview show the name from the dashboard state; schedules use the zone.
      void queryClient.invalidateQueries({ queryKey: dashboardStateKey });
      void queryClient.invalidateQueries({ queryKey: ["schedules"] });
    },
  });
}
