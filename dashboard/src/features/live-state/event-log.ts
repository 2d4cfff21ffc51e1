import type { LiveEvent } from "./live-event";

/**
 * The last events received, numbered. A reload of the dashboard state notes
 * the number when it starts and re-applies what arrived while it was in flight,
 * so an answer computed before those events does not undo them.
 */
export interface EventLog {
  push(event: LiveEvent): void;
  /** The number of the last event pushed (0 before any). */
  mark(): number;
  /** Events pushed after `mark`, oldest first; null when some were already dropped. */
  since(mark: number): LiveEvent[] | null;
}

export function createEventLog(capacity = 1000): EventLog {
  let last = 0;
  let entries: { n: number; event: LiveEvent }[] = [];
  return {
    push(event) {
      last += 1;
      entries.push({ n: last, event });
      if (entries.length > capacity) entries = entries.slice(entries.length - capacity);
    },
    mark: () => last,
    since(mark) {
      const oldest = entries[0]?.n ?? last + 1;
      if (mark + 1 < oldest) return null;
      return entries.filter((e) => e.n > mark).map((e) => e.event);
    },
  };
}

/** The page's one log of received events: the event stream writes it, reloads of the state read it. */
export const liveEventLog = createEventLog();
