import { infiniteQueryOptions, useInfiniteQuery } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";

export type CommandPage = components["schemas"]["CommandPage"];

const PAGE_SIZE = 50;

/** GET /api/commands: newest first, one page; `cursor` is the previous page's next_cursor. */
export function listCommands(
  query: { outputId: number | null; cursor: number | null },
  signal?: AbortSignal,
): Promise<CommandPage> {
  return call(
    api.GET("/api/commands", {
      params: {
        query: {
          limit: PAGE_SIZE,
          ...(query.outputId !== null && { output_id: query.outputId }),
          ...(query.cursor !== null && { cursor: query.cursor }),
        },
      },
      signal,
    }),
  );
}

export function commandsQueryOptions(outputId: number | null) {
  return infiniteQueryOptions({
    queryKey: ["commands", outputId ?? "all"],
    queryFn: ({ pageParam, signal }) => listCommands({ outputId, cursor: pageParam }, signal),
    initialPageParam: null as number | null,
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    refetchInterval: 15_000,
  });
}

export function useCommands(outputId: number | null) {
  return useInfiniteQuery(commandsQueryOptions(outputId));
}
