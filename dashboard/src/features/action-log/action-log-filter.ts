/**
 * The action log's filters as the page keeps them in its address (so a filtered
 * view can be bookmarked and survives a reload) and as the API takes them.
 * GET /api/action-logs filters by schedule, output, outcome and a time range
 * (from inclusive, to exclusive). The range is kept in the address as the local
 * wall-clock times the operator picked (`datetime-local` values) and sent as
 * RFC 3339 UTC instants.
 */

export const OUTCOMES = ["fired", "ended", "skipped", "missed"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface ActionLogFilter {
  scheduleId: number | null;
  outputId: number | null;
  outcome: Outcome | null;
  /** Local wall-clock start, `YYYY-MM-DDTHH:MM` (seconds optional), inclusive. */
  from: string | null;
  /** Local wall-clock end, exclusive. */
  to: string | null;
}

export const NO_FILTER: ActionLogFilter = { scheduleId: null, outputId: null, outcome: null, from: null, to: null };

/** The address's names for each filter: `?schedule=3&output=2&outcome=fired&from=2026-03-01T06:00`. */
const PARAM = { scheduleId: "schedule", outputId: "output", outcome: "outcome", from: "from", to: "to" } as const;

const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?$/;

/**
 * A `datetime-local` value (local wall-clock time) as an RFC 3339 UTC instant,
 * or null when it is not one. A time skipped by a clock change resolves the way
 * the browser's Date does (forward, into the new offset).
 */
export function localToRfc3339(local: string): string | null {
  if (!LOCAL_TIME.test(local)) return null;
  // Without an offset, ECMAScript reads a date-time form as local time.
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function parseLocalTime(raw: string | null): string | null {
  return raw !== null && localToRfc3339(raw) !== null ? raw : null;
}

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
    from: parseLocalTime(params.get(PARAM.from)),
    to: parseLocalTime(params.get(PARAM.to)),
  };
}

/** Why the range cannot be asked for (the API would refuse it), or null when it can. */
export function rangeProblem(filter: Pick<ActionLogFilter, "from" | "to">): string | null {
  const from = filter.from === null ? null : localToRfc3339(filter.from);
  const to = filter.to === null ? null : localToRfc3339(filter.to);
  return from !== null && to !== null && Date.parse(to) <= Date.parse(from) ? "The end must be after the start." : null;
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
  const from = filter.from === null ? null : localToRfc3339(filter.from);
  const to = filter.to === null ? null : localToRfc3339(filter.to);
  return {
    limit: page.limit,
    ...(filter.scheduleId !== null && { schedule_id: filter.scheduleId }),
    ...(filter.outputId !== null && { output_id: filter.outputId }),
    ...(filter.outcome !== null && { outcome: filter.outcome }),
    ...(from !== null && { from }),
    ...(to !== null && { to }),
    ...(page.cursor !== null && { cursor: page.cursor }),
  };
}

export function isFiltered(filter: ActionLogFilter): boolean {
  return (
    filter.scheduleId !== null ||
    filter.outputId !== null ||
    filter.outcome !== null ||
    filter.from !== null ||
    filter.to !== null
  );
}
