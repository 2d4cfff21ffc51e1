/**
 * The action log's filters as the page keeps them in its address (so a filtered
 * view can be bookmarked and survives a reload) and as the API takes them.
 * GET /api/action-logs filters by schedule, output and outcome only.
 */

export const OUTCOMES = ["fired", "ended", "skipped", "missed"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface ActionLogFilter {
  scheduleId: number | null;
  outputId: number | null;
  outcome: Outcome | null;
}

export const NO_FILTER: ActionLogFilter = { scheduleId: null, outputId: null, outcome: null };

/** The address's names for each filter: `?schedule=3&output=2&outcome=fired`. */
const PARAM = { scheduleId: "schedule", outputId: "output", outcome: "outcome" } as const;

function parseId(raw: string | null): number | null {
  return raw && /^[1-9][0-9]{0,15}$/.test(raw) ? Number(raw) : null;
}

function parseOutcome(raw: string | null): Outcome | null {
  return OUTCOMES.find((o) => o === raw) ?? null;
}

/** Reads the filter from the address; anything malformed is ignored rather than sent. */
export function filterFromParams(params: URLSearchParams): ActionLogFilter {
  return {
    scheduleId: parseId(params.get(PARAM.scheduleId)),
    outputId: parseId(params.get(PARAM.outputId)),
    outcome: parseOutcome(params.get(PARAM.outcome)),
  };
}

/** Writes the filter into `params` (other parameters kept), leaving out what is not set. */
export function filterToParams(filter: ActionLogFilter, params = new URLSearchParams()): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const key of Object.keys(PARAM) as (keyof ActionLogFilter)[]) {
    const value = filter[key];
    if (value === null) next.delete(PARAM[key]);
    else next.set(PARAM[key], String(value));
  }
  return next;
}

/** The query for GET /api/action-logs: only the filters that are set, then the page. */
export function filterToQuery(filter: ActionLogFilter, page: { limit: number; cursor: number | null }) {
  return {
    limit: page.limit,
    ...(filter.scheduleId !== null && { schedule_id: filter.scheduleId }),
    ...(filter.outputId !== null && { output_id: filter.outputId }),
    ...(filter.outcome !== null && { outcome: filter.outcome }),
    ...(page.cursor !== null && { cursor: page.cursor }),
  };
}

export function isFiltered(filter: ActionLogFilter): boolean {
  return filter.scheduleId !== null || filter.outputId !== null || filter.outcome !== null;
}
